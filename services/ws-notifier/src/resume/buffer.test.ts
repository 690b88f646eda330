import { describe, expect, it } from 'vitest';
import { ResumeBuffer } from './buffer.ts';

const limits = { perUser: 3, maxAgeMs: 60_000, maxBytes: 1 << 20 };

describe('ResumeBuffer', () => {
  it('replays what came after the last event the client saw, in order', () => {
    const buffer = new ResumeBuffer(limits);
    for (const id of ['a', 'b', 'c']) buffer.push('u1', id, `frame-${id}`, 0);
    expect(buffer.after('u1', 'a', 0)).toEqual(['frame-b', 'frame-c']);
    expect(buffer.after('u1', 'c', 0)).toEqual([]);
  });

  it('asks for a resync when the event is unknown, trimmed, or too old', () => {
    const buffer = new ResumeBuffer(limits);
    for (const id of ['a', 'b', 'c', 'd']) buffer.push('u1', id, id, 0);
    expect(buffer.after('u1', 'a', 0)).toBeUndefined(); // trimmed: only 3 per user
    expect(buffer.after('u1', 'b', 0)).toEqual(['c', 'd']);
    expect(buffer.after('u1', 'zzz', 0)).toBeUndefined();
    expect(buffer.after('nobody', 'b', 0)).toBeUndefined();
    expect(buffer.after('u1', 'b', 60_001)).toBeUndefined(); // aged out
  });

  it('keeps users apart', () => {
    const buffer = new ResumeBuffer(limits);
    buffer.push('u1', 'a', 'a', 0);
    buffer.push('u2', 'b', 'b', 0);
    buffer.push('u1', 'c', 'c', 0);
    expect(buffer.after('u1', 'a', 0)).toEqual(['c']);
    expect(buffer.after('u2', 'a', 0)).toBeUndefined();
  });

  it('reports a redelivered event as a duplicate and keeps one copy', () => {
    const buffer = new ResumeBuffer(limits);
    expect(buffer.push('u1', 'a', 'a', 0)).toBe(true);
    expect(buffer.push('u1', 'a', 'a', 0)).toBe(false);
    buffer.push('u1', 'b', 'b', 0);
    expect(buffer.after('u1', 'a', 0)).toEqual(['b']);
    expect(buffer.stats.messages).toBe(2);
  });

  it('stays within its byte budget by dropping the least recently active users', () => {
    const frame = 'x'.repeat(1000);
    const buffer = new ResumeBuffer({ perUser: 100, maxAgeMs: 60_000, maxBytes: 10_000 });
    for (let user = 0; user < 20; user++) buffer.push(`u${user}`, `e${user}`, frame, 0);
    expect(buffer.stats.bytes).toBeLessThanOrEqual(10_000);
    expect(buffer.after('u19', 'e19', 0)).toEqual([]); // the most recent survives
    expect(buffer.after('u0', 'e0', 0)).toBeUndefined(); // the oldest was evicted: resync
  });

  it('forgets quiet users once their messages age out', () => {
    const buffer = new ResumeBuffer(limits);
    buffer.push('u1', 'a', 'a', 0);
    buffer.expire(60_001);
    expect(buffer.stats).toEqual({ users: 0, messages: 0, bytes: 0 });
  });
});
