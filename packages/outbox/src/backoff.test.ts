import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles per failure up to the cap, between half and all of the ceiling', () => {
    expect(backoffDelay(1, 100, 5000, () => 0)).toBe(100);
    expect(backoffDelay(1, 100, 5000, () => 1)).toBe(200);
    expect(backoffDelay(3, 100, 5000, () => 1)).toBe(800);
    expect(backoffDelay(10, 100, 5000, () => 1)).toBe(5000);
    expect(backoffDelay(10, 100, 5000, () => 0)).toBe(2500);
  });
  it('stays finite for any number of failures', () => {
    expect(backoffDelay(10_000, 100, 5000, () => 1)).toBe(5000);
  });
});
