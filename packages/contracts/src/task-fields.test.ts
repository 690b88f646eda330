import { describe, expect, it } from 'vitest';
import { PriorityFilter, TagFilter, Tags } from './task-fields.ts';

describe('task fields', () => {
  it('stores tags in lower case, each once, sorted', () => {
    expect(Tags.parse(['Work', 'home', 'WORK', 'Ärger'])).toEqual(['home', 'work', 'ärger']);
  });

  it.each([['two words'], ['a,b'], [''], ['tab\there'], ['x'.repeat(33)], ['\u0000']])(
    'refuses the tag %j',
    (tag) => {
      expect(Tags.safeParse([tag]).success).toBe(false);
    },
  );

  it('takes a tag of 32 characters, counting code points', () => {
    expect(Tags.safeParse(['🏷'.repeat(32)]).success).toBe(true);
    expect(Tags.safeParse(['🏷'.repeat(33)]).success).toBe(false);
  });

  it('parses list filters', () => {
    expect(PriorityFilter.parse('4,none,4')).toEqual([4, null]);
    expect(TagFilter.parse('Work,urgent')).toEqual(['urgent', 'work']);
    expect(PriorityFilter.safeParse('0').success).toBe(false);
    expect(TagFilter.safeParse('a,,b').success).toBe(false);
  });
});
