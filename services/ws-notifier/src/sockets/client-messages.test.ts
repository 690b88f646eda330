import { describe, expect, it } from 'vitest';
import { MessageBudget, parseClientMessage } from './client-messages.ts';

describe('parseClientMessage', () => {
  it('reads a ping and nothing else', () => {
    expect(parseClientMessage(Buffer.from('{"type":"ping"}'), false)).toEqual({ type: 'ping' });
    expect(parseClientMessage(Buffer.from('{"type":"ping"}'), true)).toBeUndefined();
    expect(parseClientMessage(Buffer.from('ping'), false)).toBeUndefined();
    expect(parseClientMessage(Buffer.from('{"type":"ping","user_id":"x"}'), false)).toBeUndefined();
    expect(parseClientMessage([Buffer.from('{"type":'), Buffer.from('"ping"}')], false)).toEqual({
      type: 'ping',
    });
  });
});

describe('MessageBudget', () => {
  it('allows a burst up to the limit per window, then refuses until the next window', () => {
    const budget = new MessageBudget(3, 1000);
    expect([0, 1, 2, 3].map((t) => budget.take(t))).toEqual([true, true, true, false]);
    expect(budget.take(1000)).toBe(true);
  });
});
