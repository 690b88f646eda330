export { nextAfterCompletion } from './completion.ts';
export { describeRule } from './describe.ts';
export { RecurrenceError, type RecurrenceField } from './errors.ts';
export { MAX_COUNT, MAX_INTERVAL, MAX_OCCURRENCES_PER_DAY, MAX_RULE_LENGTH } from './limits.ts';
export type { LocalDateTime } from './local-time.ts';
export { MAX_PREVIEW, nextOccurrence, occurrencesBetween } from './occurrences.ts';
export type { ByDay, Frequency, Rule, Until, Weekday } from './rule.ts';
export { parseSeries, type Series, type SeriesInput } from './series.ts';
