import { decodeKeyset, encodeKeyset } from '../keyset-cursor.ts';

/** Keyset position in the (remind_at, id) order of the pending list. */
export function encodeReminderCursor(reminder: { remind_at: string; id: string }): string {
  return encodeKeyset(reminder.remind_at, reminder.id);
}

export function decodeReminderCursor(value: string): { remindAt: Date; id: string } {
  const { at, id } = decodeKeyset(value);
  return { remindAt: at, id };
}
