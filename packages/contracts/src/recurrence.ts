import { z } from 'zod';
import { InstantInput } from './common.ts';
import { TIME_ZONES } from './time-zones.ts';

/**
 * `schedule`: each instance is due at the next occurrence of the rule, whatever happened to the
 * previous one. `completion` (Todoist's "every!"): the next instance is scheduled one interval
 * after the previous instance was completed.
 */
export const RecurrenceMode = z.enum(['schedule', 'completion']);
export type RecurrenceMode = z.infer<typeof RecurrenceMode>;

/**
 * RFC 5545's `recur` parts and FREQ values. Two of them are refused by packages/recurrence for
 * what they mean (BYSECOND and SECONDLY: occurrences fall on whole minutes, at most every 15),
 * with a 422 that says so; everything else in the pattern below is a 400.
 */
export const RULE_PART_NAMES = [
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYMONTH',
  'BYWEEKNO',
  'BYYEARDAY',
  'BYMONTHDAY',
  'BYDAY',
  'BYHOUR',
  'BYMINUTE',
  'BYSETPOS',
  'BYSECOND',
  'WKST',
] as const;
export const RULE_FREQUENCIES = [
  'YEARLY',
  'MONTHLY',
  'WEEKLY',
  'DAILY',
  'HOURLY',
  'MINUTELY',
  'SECONDLY',
] as const;

// JSON Schema patterns carry no flags, so case-insensitivity is spelt out: FREQ -> [Ff][Rr]...
const anyCase = (word: string) =>
  [...word].map((c) => (/[A-Z]/.test(c) ? `[${c}${c.toLowerCase()}]` : c)).join('');
const oneOf = (words: readonly string[]) => `(?:${words.map(anyCase).join('|')})`;
const OTHER_PART = `${oneOf(RULE_PART_NAMES.filter((name) => name !== 'FREQ'))}=[A-Za-z0-9,:+-]+`;
const FREQ_PART = `${anyCase('FREQ')}=${oneOf(RULE_FREQUENCIES)}`;

/**
 * The shape of an RRULE: known NAME=VALUE parts joined by `;`, FREQ exactly once with a known
 * value, with or without `RRULE:`, any case, an optional trailing `;`. Whether the values make a
 * rule taskflow runs (numbers in range, at most 96 occurrences a day, an occurrence after the
 * start, no part twice) is decided by packages/recurrence: such a rule it refuses is a 422.
 */
export const RULE_PATTERN = new RegExp(
  `^(?:${anyCase('RRULE')}:)?(?:${OTHER_PART};)*${FREQ_PART}(?:;${OTHER_PART})*;?$`,
);
/** The `recurrence_rule` column is varchar(255). */
export const RULE_MAX = 255;

/** What makes a task a series. */
export const RecurrenceInput = z.strictObject({
  rule: z
    .string()
    .max(RULE_MAX)
    .regex(
      RULE_PATTERN,
      `must be NAME=VALUE parts joined by ";" with FREQ once, e.g. FREQ=WEEKLY;BYDAY=MO,WE; the parts are ${RULE_PART_NAMES.join(', ')}`,
    )
    .describe('An RFC 5545 RRULE, with or without `RRULE:`, e.g. `FREQ=WEEKLY;BYDAY=MO,WE`')
    .meta({ examples: ['FREQ=WEEKLY;BYDAY=MO,WE', 'RRULE:FREQ=DAILY;COUNT=10'] }),
  time_zone: z
    .enum(TIME_ZONES, 'must be an IANA time zone name such as Europe/Berlin, spelt as listed')
    .describe('IANA time zone the rule is read in, e.g. `Europe/Berlin`'),
  start: InstantInput.optional().describe(
    "The series start (DTSTART), kept to the minute. Default: the task's due date, else now",
  ),
  mode: RecurrenceMode.default('schedule'),
});
export type RecurrenceInput = z.infer<typeof RecurrenceInput>;

/** `POST /api/{user_id}/tasks/{id}/recurrence`. */
export const SetRecurrenceBody = RecurrenceInput;
export type SetRecurrenceBody = z.infer<typeof SetRecurrenceBody>;
