import { describe, expect, it } from 'vitest';
import { limitMember, policyMember } from './fields.ts';

describe('RateLimit fields', () => {
  it('writes RateLimit-Policy and RateLimit members as the draft does', () => {
    const policy = { name: 'user', quota: 600, windowSeconds: 60 };
    expect(policyMember(policy)).toBe('"user";q=600;w=60');
    expect(limitMember(policy)({ allowed: true, remaining: 12, resetSeconds: 30 })).toBe(
      '"user";r=12;t=30',
    );
  });

  it('escapes the policy name as a structured-field String, and refuses what cannot be one', () => {
    expect(policyMember({ name: 'a"b\\c', quota: 1, windowSeconds: 1 })).toBe(
      '"a\\"b\\\\c";q=1;w=1',
    );
    expect(() => policyMember({ name: 'ü', quota: 1, windowSeconds: 1 })).toThrow(RangeError);
  });
});
