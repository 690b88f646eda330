import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecret, sign, verify } from './signature.ts';

const secret = 'whsec_test';
const body = '{"type":"reminder.triggered","id":"d-1"}';
const t = 1_767_225_600;

describe('webhook signatures', () => {
  it('signs t=<unix>,v1=<hex HMAC-SHA256 of `${t}.${body}`>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(sign({ secret, timestamp: t, body })).toBe(`t=${t},v1=${expected}`);
    // Bytes and the same text sign alike.
    expect(sign({ secret, timestamp: t, body: Buffer.from(body) })).toBe(`t=${t},v1=${expected}`);
  });

  it('round-trips within the tolerance, either side of the clock', () => {
    const header = sign({ secret, timestamp: t, body });
    expect(verify({ secret, header, body, now: t })).toEqual({ ok: true, timestamp: t });
    expect(verify({ secret, header, body, now: t + 300 })).toEqual({ ok: true, timestamp: t });
    expect(verify({ secret, header, body, now: t - 300 })).toEqual({ ok: true, timestamp: t });
  });

  it('refuses a replay once the timestamp is older than the tolerance', () => {
    const header = sign({ secret, timestamp: t, body });
    expect(verify({ secret, header, body, now: t + 301 })).toEqual({
      ok: false,
      reason: 'too_old',
    });
    expect(verify({ secret, header, body, now: t + 61, toleranceSeconds: 60 })).toEqual({
      ok: false,
      reason: 'too_old',
    });
    expect(verify({ secret, header, body, now: t - 301 })).toEqual({
      ok: false,
      reason: 'in_the_future',
    });
  });

  it('refuses a fresh timestamp pasted onto an old signature', () => {
    const old = sign({ secret, timestamp: t, body });
    const forged = old.replace(`t=${t}`, `t=${t + 1000}`);
    expect(verify({ secret, header: forged, body, now: t + 1000 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses another body, another secret, and a missing or malformed header', () => {
    const header = sign({ secret, timestamp: t, body });
    const now = t;
    expect(verify({ secret, header, body: `${body} `, now })).toMatchObject({ reason: 'mismatch' });
    expect(verify({ secret: 'whsec_other', header, body, now })).toMatchObject({
      reason: 'mismatch',
    });
    expect(verify({ secret, header: undefined, body, now })).toMatchObject({ reason: 'missing' });
    for (const bad of [
      'garbage',
      `t=${t}`,
      'v1=abc',
      `t=x,v1=${'0'.repeat(64)}`,
      `t=${t},t=${t},v1=${'0'.repeat(64)}`,
    ]) {
      expect(verify({ secret, header: bad, body, now })).toMatchObject({ reason: 'malformed' });
    }
  });

  it('carries one v1 per secret during a rotation; either secret verifies', () => {
    const header = sign({ secret: ['whsec_new', 'whsec_old'], timestamp: t, body });
    expect(header.split(',')).toHaveLength(3);
    expect(verify({ secret: 'whsec_old', header, body, now: t })).toMatchObject({ ok: true });
    expect(verify({ secret: 'whsec_new', header, body, now: t })).toMatchObject({ ok: true });
    expect(verify({ secret: ['whsec_x', 'whsec_new'], header, body, now: t })).toMatchObject({
      ok: true,
    });
    expect(verify({ secret: 'whsec_x', header, body, now: t })).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('skips schemes it does not know, so a future v2 breaks no receiver', () => {
    const header = `${sign({ secret, timestamp: t, body })},v2=whatever`;
    expect(verify({ secret, header, body, now: t })).toMatchObject({ ok: true });
  });

  it('refuses to sign without a secret or with a bad timestamp', () => {
    expect(() => sign({ secret: '', body })).toThrow(/non-empty secret/);
    expect(() => sign({ secret: [], body })).toThrow(/non-empty secret/);
    expect(() => sign({ secret, body, timestamp: 1.5 })).toThrow(/whole seconds/);
  });

  it('generates distinct secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(a);
  });
});
