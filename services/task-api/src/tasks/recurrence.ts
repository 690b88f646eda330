import { makeEvent, type RecurrenceInput, type Task } from '@taskflow/contracts';
import { appendEvents, setSeries, stopSeries, toTask, type Database } from '@taskflow/db';
import { lockOwnTask, type Actor } from './commands.ts';
import { planSeries, sameSeries } from './series-input.ts';

/**
 * Starting, changing and stopping a task's series. Like every command: one transaction with the
 * row locked, If-Match checked, the change and its task.updated event committed together.
 */
export function recurrenceCommands(database: Database, eventsCommitted: () => void = () => {}) {
  const committing = async <T>(write: Promise<T>): Promise<T> => {
    const result = await write;
    eventsCommitted();
    return result;
  };
  return {
    /**
     * Makes the task a series, or gives its series a new rule. Without a start, a task that has
     * been a series keeps its start (a retried request then changes nothing); otherwise the
     * due date, else now. The same series again is no change: no version, no event.
     */
    async set(
      actor: Actor,
      id: string,
      input: RecurrenceInput,
      expectedVersion?: number,
    ): Promise<Task> {
      return committing(
        database.transaction(async (tx) => {
          const before = await lockOwnTask(tx, actor.userId, id, expectedVersion);
          const now = new Date();
          const planned = planSeries(input, {
            defaultStart: before.seriesStart ?? before.dueDate ?? now,
            now,
          });
          if (sameSeries(before, planned)) return toTask(before);
          const task = toTask(await setSeries(tx, id, planned));
          await appendEvents(tx, [makeEvent('task.updated', task, task, actor)]);
          return task;
        }),
      );
    },

    /** Stops the series; a task that is no series (any more) is answered as it is. */
    async stop(actor: Actor, id: string, expectedVersion?: number): Promise<Task> {
      return committing(
        database.transaction(async (tx) => {
          const before = await lockOwnTask(tx, actor.userId, id, expectedVersion);
          if (!before.isRecurring) return toTask(before);
          const task = toTask(await stopSeries(tx, id));
          await appendEvents(tx, [makeEvent('task.updated', task, task, actor)]);
          return task;
        }),
      );
    },
  };
}

export type RecurrenceCommands = ReturnType<typeof recurrenceCommands>;
