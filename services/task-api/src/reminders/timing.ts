import { AppError } from '@taskflow/service-kit';

// When a reminder rings, as pure functions of its shape, the task's due date and the clock.

export interface ReminderShape {
  /** An absolute instant. */
  remindAt?: Date | undefined;
  /** Or this many minutes before the due date. */
  minutesBefore?: number | undefined;
}

export interface ReminderTime {
  remindAt: Date;
  /** Stored for a relative reminder, so that it can follow the due date. */
  offsetSeconds: number | null;
}

/**
 * The instant of a new reminder. A relative one needs a due date; neither may lie in the past
 * (a reminder for a moment that is gone could only fire at once, late, which nobody asks for).
 * Throws the 422 that says which field is wrong (the shape was checked by the schema: 400).
 */
export function reminderTime(shape: ReminderShape, dueDate: Date | null, now: Date): ReminderTime {
  if (shape.minutesBefore !== undefined) {
    if (dueDate === null) {
      throw invalid('minutes_before', 'the task has no due date: set one, or send remind_at');
    }
    const offsetSeconds = shape.minutesBefore * 60;
    const remindAt = new Date(dueDate.getTime() - offsetSeconds * 1000);
    if (remindAt <= now) {
      throw invalid(
        'minutes_before',
        `${shape.minutesBefore} minutes before the due date (${dueDate.toISOString()}) is in the past`,
      );
    }
    return { remindAt, offsetSeconds };
  }
  if (shape.remindAt === undefined) {
    throw invalid('', 'send exactly one of remind_at or minutes_before');
  }
  if (shape.remindAt <= now) {
    throw invalid('remind_at', `${shape.remindAt.toISOString()} is in the past`);
  }
  return { remindAt: shape.remindAt, offsetSeconds: null };
}

/** A reminder that follows the due date, as the shift sees it. */
export interface MovableReminder {
  id: string;
  offsetSeconds: number;
  remindAt: Date;
}

export interface DueDatePlan {
  /** Relative reminders whose due date is gone: deleted. */
  remove: string[];
  move: Array<{ id: string; remindAt: Date }>;
}

/**
 * What a due-date change does to the task's movable relative reminders (pending or cancelled;
 * fired and missed ones are history and are never passed here). A new due date moves each to
 * `due - offset`, even into the past: it is then simply due and the worker fires it (late or
 * missed by its policy), as for any reminder whose time has come. A cleared due date deletes
 * them: "15 minutes before" means nothing without a due date.
 */
export function planDueDateChange(reminders: MovableReminder[], dueDate: Date | null): DueDatePlan {
  if (dueDate === null) return { remove: reminders.map(({ id }) => id), move: [] };
  const move = reminders
    .map(({ id, offsetSeconds, remindAt }) => ({
      id,
      before: remindAt.getTime(),
      remindAt: new Date(dueDate.getTime() - offsetSeconds * 1000),
    }))
    .filter(({ before, remindAt }) => remindAt.getTime() !== before)
    .map(({ id, remindAt }) => ({ id, remindAt }));
  return { remove: [], move };
}

function invalid(path: string, message: string): AppError {
  return new AppError('unprocessable', message, [{ location: 'body', path, message }]);
}
