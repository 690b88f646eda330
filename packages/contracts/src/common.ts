import { z } from 'zod';

/** The identity provider's subject. URL-safe so it can stand in a path unescaped. */
export const UserId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._~@|:+-]+$/, 'must be 1-128 URL-safe characters');
export type UserId = z.infer<typeof UserId>;

export const Uuid = z.uuid();

/**
 * User text as Postgres can store it. JSON lets a body carry U+0000 and lone UTF-16 surrogates
 * (`"\ud800"`), and JavaScript strings hold them, but Postgres `text` and `jsonb` refuse both:
 * refused here, with a 400, instead of failing the insert.
 */
export function storable(schema: z.ZodString): z.ZodString {
  return schema.refine(
    (text) => text.isWellFormed() && !text.includes('\0'),
    'must be Unicode text without U+0000 (NUL) or lone surrogates',
  );
}

/**
 * An instant on the wire: ISO 8601 with an explicit offset on input, always UTC `Z` on output.
 * Input strings are normalised so that equal instants compare equal as strings.
 */
export const InstantInput = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString());

/** An instant as taskflow writes it: ISO 8601 in UTC. */
export const Instant = z.iso.datetime();

export const CorrelationId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
