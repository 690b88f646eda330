import { describe, expect, it } from 'vitest';
import { Cursor } from '@taskflow/contracts';
import { decodeReminderCursor, encodeReminderCursor } from './cursor.ts';

describe('reminder cursor', () => {
  it('round-trips the position, in the shape the published schema names', () => {
    const reminder = {
      remind_at: '2030-02-15T08:45:00.123Z',
      id: '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11',
    };
    const cursor = encodeReminderCursor(reminder);
    expect(Cursor.safeParse(cursor).success).toBe(true);
    expect(decodeReminderCursor(cursor)).toEqual({
      remindAt: new Date(reminder.remind_at),
      id: reminder.id,
    });
  });

  it('reads every cursor of the published shape as a position, the extremes at the bounds', () => {
    const id = '4B2B0A8E-58C5-4A5E-9D7E-0F3C1C0F9A11';
    expect(decodeReminderCursor(`999999999999999_${id}`)).toEqual({
      remindAt: new Date('9999-12-31T23:59:59.999Z'),
      id: id.toLowerCase(),
    });
    expect(decodeReminderCursor(`-999999999999999_${id}`).remindAt).toEqual(
      new Date('0001-01-01T00:00:00.000Z'),
    );
    expect(decodeReminderCursor(`-62000000000000_${id}`).remindAt.getUTCFullYear()).toBe(5);
  });

  it.each(['', 'not-base64!', Buffer.from('{"r":"x","i":"y"}').toString('base64url'), '1_x'])(
    'the published shape refuses %j',
    (cursor) => {
      expect(Cursor.safeParse(cursor).success).toBe(false);
    },
  );
});
