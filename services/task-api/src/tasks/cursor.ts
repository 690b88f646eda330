import { z } from 'zod';
import { AppError } from '@taskflow/service-kit';

/** Keyset position in the (created_at desc, id desc) order; opaque to clients. */
const Position = z.strictObject({ c: z.iso.datetime(), i: z.uuid() });

export function encodeCursor(task: { created_at: string; id: string }): string {
  return Buffer.from(JSON.stringify({ c: task.created_at, i: task.id })).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
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
  return { createdAt: new Date(parsed.data.c), id: parsed.data.i };
}
