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
 * The shape of an RRULE (RFC 5545 `recur`): NAME=VALUE parts joined by `;`, with or without
 * `RRULE:`, case-insensitive. Whether the parts make a rule taskflow runs (known names and
 * values, at most 96 occurrences a day, an occurrence after the start) is decided by
 * packages/recurrence: a well-formed rule it refuses is a 422 that says why.
 */
const RULE_PART = '[A-Za-z]+=[A-Za-z0-9,:+-]+';
export const RULE_PATTERN = new RegExp(
  `^(?:[Rr][Rr][Uu][Ll][Ee]:)?${RULE_PART}(?:;${RULE_PART})*;?$`,
);
/** The `recurrence_rule` column is varchar(255). */
export const RULE_MAX = 255;

/** What makes a task a series. */
export const RecurrenceInput = z.strictObject({
  rule: z
    .string()
    .max(RULE_MAX)
    .regex(RULE_PATTERN, 'must be NAME=VALUE parts joined by ";", e.g. FREQ=WEEKLY;BYDAY=MO,WE')
    .describe('An RFC 5545 RRULE, with or without `RRULE:`, e.g. `FREQ=WEEKLY;BYDAY=MO,WE`'),
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
