import { z } from 'zod';
import { codePointLength, SPACE, userText } from './common.ts';

// Priorities, tags, search and sort: the task fields beyond the seed's, and how lists filter and
// order by them (docs/api.md, "Priorities, tags, search and sort").

export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 4;
export const TAG_MAX = 32;
export const TAGS_PER_TASK_MAX = 20;
export const TAGS_PER_FILTER_MAX = 10;
export const SEARCH_TEXT_MAX = 200;
/** `GET .../tags` lists at most this many. */
export const TAG_LIST_MAX = 1_000;

/** 1 (low) to 4 (urgent), as Todoist's API counts; null: none. */
export const Priority = z
  .int()
  .min(PRIORITY_MIN)
  .max(PRIORITY_MAX)
  .nullable()
  .describe('1 (low) to 4 (urgent); null: none');

// A tag is one word: no white space, no comma (a list filter separates tags with commas), no
// control character. Stored in lower case, so `Work` and `work` are one tag.
const TAG_CHARACTER = `[^\\u0000-\\u001f\\u007f,${SPACE}]`;

/** One tag as a client writes it: case is folded when it is stored. */
export const Tag = z
  .string()
  .overwrite((value) => value.toWellFormed())
  .regex(
    new RegExp(`^${TAG_CHARACTER}+$`, 'u'),
    'a tag is one word: no white space, comma or control character',
  )
  .refine((value) => codePointLength(value) <= TAG_MAX, `must be at most ${TAG_MAX} characters`)
  .meta({ minLength: 1, maxLength: TAG_MAX })
  .transform((value) => value.toLowerCase());

/** A task's tags: stored lower case, each once, sorted. */
export const Tags = z
  .array(Tag)
  .max(TAGS_PER_TASK_MAX)
  .transform(normaliseTags)
  .describe(
    `At most ${TAGS_PER_TASK_MAX}; stored in lower case, each once, sorted (the list replaces the task's tags)`,
  );

export function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((tag) => tag.toLowerCase()))].sort();
}

/** `?priority=3,4,none`: tasks with any of these priorities (`none`: without one). */
export const PriorityFilter = z
  .string()
  .regex(/^(none|[1-4])(,(none|[1-4])){0,4}$/, 'a comma-separated list of 1, 2, 3, 4 and none')
  .transform((value) => [
    ...new Set(value.split(',').map((p) => (p === 'none' ? null : Number(p)))),
  ])
  .describe('Tasks with any of these priorities, e.g. `3,4` or `none`');

/** `?tags=work,urgent`: tasks that carry every one of these tags. */
export const TagFilter = z
  .string()
  .regex(
    new RegExp(`^${TAG_CHARACTER}+(,${TAG_CHARACTER}+){0,${TAGS_PER_FILTER_MAX - 1}}$`, 'u'),
    `a comma-separated list of at most ${TAGS_PER_FILTER_MAX} tags`,
  )
  .refine(
    (value) => value.split(',').every((tag) => codePointLength(tag) <= TAG_MAX),
    `each tag at most ${TAG_MAX} characters`,
  )
  .transform((value) => normaliseTags(value.split(',')))
  .describe('Tasks that carry every one of these tags (any case), e.g. `work,urgent`');

/** `?q=`: full-text search over title and description, in web search syntax. */
export const SearchText = userText({ max: SEARCH_TEXT_MAX, required: true }).describe(
  'Full-text search over title and description: words (stemmed), `"a phrase"`, `or`, `-word`',
);

/**
 * `next_cursor` of a task list: the last item's sort key (epoch milliseconds of an instant, a
 * priority, a scaled rank; `n` for none) and its id, e.g. `1764669072345_3f0c…`. Opaque to
 * clients, but every string of this shape is a position, so the pattern is the whole rule.
 */
export const TaskCursor = z
  .string()
  .regex(
    /^(-?[0-9]{1,15}|n)_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    'pass next_cursor from a previous page',
  )
  .describe('`next_cursor` of the previous page (of the same query)');

export const TaskSort = z
  .enum(['created_at', 'updated_at', 'due_date', 'priority', 'relevance'])
  .describe(
    'Default: `relevance` with `q`, else `created_at`. `relevance` needs `q` (422 without it). Ties go by id.',
  );
export type TaskSort = z.infer<typeof TaskSort>;
