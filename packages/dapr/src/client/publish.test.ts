import { describe, expect, it } from 'vitest';
import { inWaves } from './publish.ts';

describe('inWaves', () => {
  const key = (entry: string) => (entry.includes('@') ? entry.split('@')[0] : undefined);

  it('puts at most one entry per key in each wave, each wave in the order given', () => {
    expect(inWaves(['a@1', 'a@2', 'b@1', 'a@3', 'b@2', 'c@1'], key)).toEqual([
      ['a@1', 'b@1', 'c@1'],
      ['a@2', 'b@2'],
      ['a@3'],
    ]);
  });

  it('is one wave when no key repeats, and keeps entries without a key in the first', () => {
    expect(inWaves(['a@1', 'x', 'b@1', 'y'], key)).toEqual([['a@1', 'x', 'b@1', 'y']]);
    expect(inWaves(['a@1', 'a@2', 'x'], key)).toEqual([['a@1', 'x'], ['a@2']]);
    expect(inWaves([], key)).toEqual([]);
  });
});
