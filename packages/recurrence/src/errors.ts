/** Which input of a series a problem is about, named as the API's fields are. */
export type RecurrenceField = 'rule' | 'time_zone' | 'start';

/**
 * A series that cannot be accepted. `message` is written for the person who sent it, so the API
 * can answer 400 with it as it is.
 */
export class RecurrenceError extends Error {
  readonly field: RecurrenceField;

  constructor(field: RecurrenceField, message: string) {
    super(message);
    this.name = 'RecurrenceError';
    this.field = field;
  }
}
