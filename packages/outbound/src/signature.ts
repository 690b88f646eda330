// Webhook signatures: HMAC-SHA256 over the timestamp and the raw body, in one header, as
// Stripe signs its webhooks (README.md, "Verifying a webhook", says it for receivers).
//
//   X-Taskflow-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// v1 is the lowercase hex HMAC-SHA256, keyed by the channel's secret, of the bytes
// `${t}.${body}`: t is the Unix time in seconds of the sending, body the request body exactly
// as sent. While a secret is being rotated the header carries one v1 per secret, and a receiver
// accepts the request if any of them matches a secret it holds.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Taskflow-Signature';
/** The same id on every attempt to deliver one message: receivers drop a repeat by it. */
export const DELIVERY_ID_HEADER = 'X-Taskflow-Delivery-Id';
/** How far a timestamp may be from the receiver's clock by default: 5 minutes, as Stripe. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new channel secret: `whsec_` and 32 random bytes (base64url), shown to the user once. */
export const generateSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

type Body = string | Uint8Array;

const hmac = (secret: string, timestamp: number, body: Body): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

const unixNow = (): number => Math.floor(Date.now() / 1000);

export interface SignInput {
  /** The channel's secret, or during a rotation the new and the old one. */
  secret: string | readonly string[];
  /** Unix time in seconds; default now. */
  timestamp?: number;
  body: Body;
}

/** The signature header's value, `t=<unix seconds>,v1=<hex>[,v1=<hex>]`. */
export function sign({ secret, timestamp = unixNow(), body }: SignInput): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('timestamp must be Unix time in whole seconds');
  }
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0 || secrets.some((s) => s === '')) {
    throw new RangeError('a signature needs a non-empty secret');
  }
  return [
    `t=${timestamp}`,
    ...secrets.map((s) => `v1=${hmac(s, timestamp, body).toString('hex')}`),
  ].join(',');
}

export interface VerifyInput {
  /** The secrets the receiver accepts (the current one, and the previous during a rotation). */
  secret: string | readonly string[];
  /** The signature header's value as received (undefined when the header is missing). */
  header: string | undefined;
  /** The raw body as received: re-serialised JSON would not match. */
  body: Body;
  /** Default DEFAULT_TOLERANCE_SECONDS. */
  toleranceSeconds?: number;
  /** The receiver's clock, Unix seconds; default now. */
  now?: number;
}

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'too_old' | 'in_the_future' | 'mismatch' };

/**
 * Checks a signature header: well-formed, a timestamp within the tolerance of the receiver's
 * clock (either way, so a captured request cannot be replayed once it is old), and a v1 that
 * matches the body under one of the secrets, compared in constant time. A request replayed
 * within the tolerance still verifies: receivers drop repeats by X-Taskflow-Delivery-Id.
 */
export function verify({
  secret,
  header,
  body,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now = unixNow(),
}: VerifyInput): VerifyResult {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const match = /^\s*(t|v1)=([^\s,]+)\s*$/.exec(part);
    // Other keys (a future v2, say) are skipped, so that adding a scheme breaks no receiver.
    if (!match) {
      if (/^\s*[a-z0-9]+=/.test(part)) continue;
      return { ok: false, reason: 'malformed' };
    }
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value))
        return { ok: false, reason: 'malformed' };
      timestamp = Number(value);
    } else if (/^[0-9a-f]{64}$/.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  if (now - timestamp > toleranceSeconds) return { ok: false, reason: 'too_old' };
  if (timestamp - now > toleranceSeconds) return { ok: false, reason: 'in_the_future' };
  const secrets = typeof secret === 'string' ? [secret] : secret;
  let matched = false;
  // Every pair is compared (no early exit), so the time taken says nothing about which matched.
  for (const s of secrets) {
    if (s === '') continue;
    const expected = hmac(s, timestamp, body);
    for (const candidate of signatures) matched = timingSafeEqual(expected, candidate) || matched;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}
