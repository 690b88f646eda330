import { z } from 'zod';

/** The identity provider's subject. URL-safe so it can stand in a path unescaped. */
export const UserId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._~@|:+-]+$/, 'must be 1-128 URL-safe characters');
export type UserId = z.infer<typeof UserId>;

export const Uuid = z.uuid();

// What JavaScript's `trim()` and `\s` call white space. Spelt out, because the published pattern
// is also read by clients in other languages, whose `\s` differs (Python's takes U+001C-U+001F,
// not U+FEFF).
export const SPACE =
  '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
// Postgres `text` and `jsonb` cannot hold U+0000, so it is refused. JSON can also carry lone
// UTF-16 surrogates (`"\ud800"`), which are not characters at all: they become U+FFFD, as any
// UTF-8 encoder writes them (a pattern cannot state them portably: JSON Schema tools in Python
// and Go do not generate or match surrogates, so the rule would be invisible to their clients).
const STORABLE = '[^\\u0000]';
const STORABLE_MESSAGE = 'must not contain U+0000 (NUL)';

/** Characters as Postgres and JSON Schema count them (code points), not UTF-16 units. */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

/**
 * User text as Postgres can store it (lone surrogates made U+FFFD), at most `max` characters. `required`: it must hold more
 * than white space, and is stored trimmed (the length counts what was sent). Every rule is a
 * pattern or a length in the published schema, so a client checks exactly what the server checks.
 */
export function userText(options: { max: number; required?: boolean }) {
  const pattern = options.required
    ? new RegExp(`^${STORABLE}*[^\\u0000${SPACE}]${STORABLE}*$`, 'u')
    : new RegExp(`^${STORABLE}*$`, 'u');
  const message = options.required
    ? `must hold more than white space, and ${STORABLE_MESSAGE.replace('must ', '')}`
    : STORABLE_MESSAGE;
  const text = z
    .string()
    .overwrite((value) => value.toWellFormed())
    .regex(pattern, message)
    .refine(
      (value) => codePointLength(value) <= options.max,
      `must be at most ${options.max} characters`,
    )
    .meta({ maxLength: options.max, ...(options.required ? { minLength: 1 } : {}) });
  return options.required ? text.transform((value) => value.trim()) : text;
}

/** The instants the API takes: ISO 8601 with an offset, in years 0001-9999 (UTC). */
const INSTANT_MIN = Date.parse('0001-01-01T00:00:00.000Z');
const INSTANT_MAX = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An instant on the wire: ISO 8601 with an explicit offset on input, always UTC `Z` on output.
 * Input strings are normalised so that equal instants compare equal as strings. Years 0001-9999
 * in UTC: what RFC 3339 writes with four digits, and so what every response can carry back.
 */
export const InstantInput = z.iso
  .datetime({ offset: true })
  .regex(/^(?!0000)/, 'the year must be 0001-9999')
  .refine((value) => {
    const at = Date.parse(value);
    return at >= INSTANT_MIN && at <= INSTANT_MAX;
  }, 'must lie within the years 0001-9999 in UTC')
  .meta({ format: 'date-time' })
  .transform((value) => new Date(value).toISOString());

/** An instant as taskflow writes it: ISO 8601 in UTC. */
export const Instant = z.iso.datetime();

/**
 * A list position as the API hands it out in `next_cursor`: the sort instant in epoch
 * milliseconds and the id of the last item, e.g. `1764669072345_3f0c…`. Opaque to clients, but
 * every string of this shape is a position, so the published pattern is the whole rule.
 */
export const Cursor = z
  .string()
  .regex(
    /^-?[0-9]{1,15}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    'pass next_cursor from a previous page',
  )
  .describe('`next_cursor` of the previous page');

/** `Idempotency-Key`: a repeat of a POST with the same key returns the first result. */
export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1-255 printable ASCII characters')
    .optional()
    .describe('Makes retries safe: a repeat returns the first result'),
});

/** `If-Match`: the write happens only at this version (412 otherwise); `*` or absent: any. */
export const IfMatchHeaders = z.looseObject({
  'if-match': z
    .string()
    .regex(
      /^[ \t]*(?:\*|(?:W\/)?"[0-9]{1,9}"|[0-9]{1,9})[ \t]*$/,
      'If-Match must be one ETag such as "3"',
    )
    .optional()
    .describe('The version (ETag) the write expects, e.g. `"3"`: 412 when the task has moved on'),
});

export const CorrelationId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
