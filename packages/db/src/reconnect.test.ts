import { describe, expect, it } from 'vitest';
import { reconnectDelaySeconds } from './client.ts';

describe('reconnectDelaySeconds', () => {
  it('starts at tens of milliseconds and doubles', () => {
    expect(reconnectDelaySeconds(0, () => 1)).toBeCloseTo(0.05);
    expect(reconnectDelaySeconds(1, () => 1)).toBeCloseTo(0.1);
    expect(reconnectDelaySeconds(3, () => 1)).toBeCloseTo(0.4);
  });

  it('never waits more than a second, however many attempts failed', () => {
    for (const failures of [5, 10, 50, 1_000]) {
      expect(reconnectDelaySeconds(failures, () => 1)).toBe(1);
    }
  });

  it('jitters between half and all of the delay', () => {
    expect(reconnectDelaySeconds(20, () => 0)).toBe(0.5);
    expect(reconnectDelaySeconds(20, () => 0.5)).toBe(0.75);
  });
});
