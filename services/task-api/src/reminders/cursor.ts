import { z } from 'zod';
import { AppError } from '@taskflow/service-kit';

/** Keyset position in the (remind_at, id) order of the pending list; opaque to clients. */
const Position = z.strictObject({ r: z.iso.datetime(), i: z.uuid() });

export function encodeReminderCursor(reminder: { remind_at: string; id: string }): string {
  return Buffer.from(JSON.stringify({ r: reminder.remind_at, i: reminder.id })).toString(
    'base64url',
  );
}

export function decodeReminderCursor(cursor: string): { remindAt: Date; id: string } {
  let parsed: z.ZodSafeParseResult<z.infer<typeof Position>> | undefined;
  try {
    parsed = Position.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString()));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    throw new AppError('validation_failed', 'the cursor is not one this API returned', [
      { location: 'query', path: 'cursor', message: 'pass next_cursor from a previous page' },
    ]);
  }
  return { remindAt: new Date(parsed.data.r), id: parsed.data.i };
}
