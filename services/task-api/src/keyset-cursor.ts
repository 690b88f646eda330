import { z } from 'zod';
import { AppError } from '@taskflow/service-kit';

/**
 * Cursors for keyset pagination over (an instant, an id): base64url JSON, opaque to clients.
 * `key` names the instant inside, so each list keeps the cursors it has always handed out.
 */
export function keysetCursor(key: string) {
  const fields: Record<string, z.ZodType<string>> = { [key]: z.iso.datetime(), i: z.uuid() };
  const Position = z.strictObject(fields);
  return {
    encode: (at: string, id: string): string =>
      Buffer.from(JSON.stringify({ [key]: at, i: id })).toString('base64url'),
    decode(cursor: string): { at: Date; id: string } {
      let parsed: ReturnType<typeof Position.safeParse> | undefined;
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
      return { at: new Date(parsed.data[key]!), id: parsed.data.i! };
    },
  };
}
