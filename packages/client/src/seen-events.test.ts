import { describe, expect, it } from 'vitest';
import { SeenEvents } from './seen-events.ts';

describe('SeenEvents', () => {
  it('reports each id new once', () => {
    const seen = new SeenEvents();
    expect([seen.add('a'), seen.add('b'), seen.add('a')]).toEqual([true, true, false]);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const seen = new SeenEvents(2);
    seen.add('a');
    seen.add('b');
    seen.add('c');
    expect(seen.add('b')).toBe(false);
    expect(seen.add('a')).toBe(true);
  });
});
