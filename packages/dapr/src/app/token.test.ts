import { describe, expect, it } from 'vitest';
import { tokensEqual } from './token.ts';

describe('tokensEqual', () => {
  it('accepts only the same token', () => {
    expect(tokensEqual('s3cret', 's3cret')).toBe(true);
    expect(tokensEqual('s3creT', 's3cret')).toBe(false);
    expect(tokensEqual('s3cret-and-more', 's3cret')).toBe(false); // lengths differ: no throw
    expect(tokensEqual('', 's3cret')).toBe(false);
    expect(tokensEqual(undefined, 's3cret')).toBe(false);
  });
});
