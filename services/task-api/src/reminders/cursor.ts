import { keysetCursor } from '../keyset-cursor.ts';

/** Keyset position in the (remind_at, id) order of the pending list. */
const cursor = keysetCursor('r');

export function encodeReminderCursor(reminder: { remind_at: string; id: string }): string {
  return cursor.encode(reminder.remind_at, reminder.id);
}

export function decodeReminderCursor(value: string): { remindAt: Date; id: string } {
  const { at, id } = cursor.decode(value);
  return { remindAt: at, id };
}
