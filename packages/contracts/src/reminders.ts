import { z } from 'zod';
import { Cursor, Instant, InstantInput, UserId, Uuid } from './common.ts';
import { LIST_LIMIT_MAX } from './tasks.ts';

/** A task holds at most this many reminders (any status): its list stays one short page. */
export const REMINDERS_PER_TASK_MAX = 100;

/** The earliest a relative reminder may come: 365 days before the due date. */
export const MINUTES_BEFORE_MAX = 365 * 24 * 60;

/**
 * pending: waiting for its time. fired: `reminder.triggered` was sent. missed: its time passed
 * while no worker ran, by more than the grace period, so it was not sent. cancelled: its task
 * was completed first (reopening the task re-arms the ones still ahead).
 */
export const ReminderStatus = z.enum(['pending', 'fired', 'missed', 'cancelled']);
export type ReminderStatus = z.infer<typeof ReminderStatus>;

export const Reminder = z.object({
  id: Uuid,
  task_id: Uuid,
  remind_at: Instant,
  /** Set for a reminder relative to the due date: it moves when the due date moves. */
  minutes_before: z.int().min(0).nullable(),
  status: ReminderStatus,
  /** Fired, but after its time by more than the worker's lateness threshold (it was down). */
  late: z.boolean(),
  /** When it was fired, missed or cancelled. */
  settled_at: Instant.nullable(),
  created_at: Instant,
});
export type Reminder = z.infer<typeof Reminder>;

/** A reminder in the cross-task list, with what a client needs to show it. */
export const PendingReminder = Reminder.extend({
  task_title: z.string(),
  task_due_date: Instant.nullable(),
});
export type PendingReminder = z.infer<typeof PendingReminder>;

/**
 * Exactly one of: `remind_at`, an instant with an offset; or `minutes_before`, relative to the
 * task's due date (0 = at the due date). Whole minutes, not an ISO 8601 duration: a duration
 * would admit months and years, whose length depends on the date.
 */
export const CreateReminderBody = z
  .strictObject({
    remind_at: InstantInput.optional(),
    minutes_before: z.int().min(0).max(MINUTES_BEFORE_MAX).optional(),
  })
  .refine(
    (body) => (body.remind_at === undefined) !== (body.minutes_before === undefined),
    'send exactly one of remind_at (an instant) or minutes_before (relative to the due date)',
  )
  // The same rule for clients that read the published schema (a refinement is code, not schema).
  .meta({ oneOf: [{ required: ['remind_at'] }, { required: ['minutes_before'] }] });
export type CreateReminderBody = z.infer<typeof CreateReminderBody>;

export const ReminderPathParams = z.strictObject({
  user_id: UserId,
  id: Uuid,
  reminder_id: Uuid,
});

/** A task's reminders, earliest first; never more than REMINDERS_PER_TASK_MAX. */
export const ReminderList = z.object({ items: z.array(Reminder) });
export type ReminderList = z.infer<typeof ReminderList>;

/** The statuses the cross-task list can show: what is still ahead, and what was missed. */
export const ListedStatus = z.enum(['pending', 'missed']);
export type ListedStatus = z.infer<typeof ListedStatus>;

/** `status=pending`, `status=missed` or `status=pending,missed` (a repeat counts once). */
const StatusFilter = z
  .string()
  .max(32)
  .regex(/^(?:pending|missed)(?:,(?:pending|missed))*$/, 'use pending, missed or pending,missed')
  .transform((value) => [...new Set(value.split(','))] as ListedStatus[]);

export const PendingRemindersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(50),
  cursor: Cursor.optional(),
  status: StatusFilter.default(['pending']),
});
export type PendingRemindersQuery = z.infer<typeof PendingRemindersQuery>;

export const PendingReminderList = z.object({
  items: z.array(PendingReminder),
  next_cursor: z.string().nullable(),
});
export type PendingReminderList = z.infer<typeof PendingReminderList>;
