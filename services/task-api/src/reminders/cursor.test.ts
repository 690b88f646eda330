import { describe, expect, it } from 'vitest';
import { AppError } from '@taskflow/service-kit';
import { decodeReminderCursor, encodeReminderCursor } from './cursor.ts';

describe('reminder cursor', () => {
  it('round-trips the position', () => {
    const reminder = {
      remind_at: '2030-02-15T08:45:00.123Z',
      id: '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11',
    };
    expect(decodeReminderCursor(encodeReminderCursor(reminder))).toEqual({
      remindAt: new Date(reminder.remind_at),
      id: reminder.id,
    });
  });

  it.each(['', 'not-base64!', Buffer.from('{"r":"x","i":"y"}').toString('base64url')])(
    'refuses %j with a 400 naming the cursor',
    (cursor) => {
      expect(() => decodeReminderCursor(cursor)).toThrow(AppError);
    },
  );
});
