import { z } from 'zod';
import { InstantInput, storable } from './common.ts';

/**
 * `schedule`: each instance is due at the next occurrence of the rule, whatever happened to the
 * previous one. `completion` (Todoist's "every!"): the next instance is scheduled one interval
 * after the previous instance was completed.
 */
export const RecurrenceMode = z.enum(['schedule', 'completion']);
export type RecurrenceMode = z.infer<typeof RecurrenceMode>;

/**
 * What makes a task a series. Only the shape is checked here: whether the rule parses, the zone
 * exists and the series would ever fire is decided by packages/recurrence, whose messages the
 * API returns as they are (a length cap here only keeps absurd input out).
 */
export const RecurrenceInput = z.strictObject({
  rule: storable(z.string().max(1000)).describe(
    'An RFC 5545 RRULE, with or without `RRULE:`, e.g. `FREQ=WEEKLY;BYDAY=MO,WE`',
  ),
  time_zone: storable(z.string().max(100)).describe(
    'IANA time zone the rule is read in, e.g. `Europe/Berlin`',
  ),
  start: InstantInput.optional().describe(
    "The series start (DTSTART), kept to the minute. Default: the task's due date, else now",
  ),
  mode: RecurrenceMode.default('schedule'),
});
export type RecurrenceInput = z.infer<typeof RecurrenceInput>;

/** `POST /api/{user_id}/tasks/{id}/recurrence`. */
export const SetRecurrenceBody = RecurrenceInput;
export type SetRecurrenceBody = z.infer<typeof SetRecurrenceBody>;
