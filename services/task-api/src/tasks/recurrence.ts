import type { RecurrenceInput, Task } from '@taskflow/contracts';
import { setSeries, stopSeries, toTask } from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import { lockTaskToEdit, taskEvent, type Actor } from './commands.ts';
import { planSeries, sameSeries } from './series-input.ts';

/**
 * Starting, changing and stopping a task's series. Like every command: one transaction with the
 * row locked, If-Match checked, the change and its task.updated event committed together (one
 * unit of work of the outbox).
 */
export function recurrenceCommands(outbox: Outbox) {
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
      return outbox.commit(async (tx, emit) => {
        const before = await lockTaskToEdit(tx, actor.userId, id, expectedVersion);
        const now = new Date();
        const planned = planSeries(input, {
          defaultStart: before.seriesStart ?? before.dueDate ?? now,
          now,
        });
        if (sameSeries(before, planned)) return toTask(before);
        const task = toTask(await setSeries(tx, id, planned));
        emit(taskEvent('task.updated', task, actor));
        return task;
      });
    },

    /** Stops the series; a task that is no series (any more) is answered as it is. */
    async stop(actor: Actor, id: string, expectedVersion?: number): Promise<Task> {
      return outbox.commit(async (tx, emit) => {
        const before = await lockTaskToEdit(tx, actor.userId, id, expectedVersion);
        if (!before.isRecurring) return toTask(before);
        const task = toTask(await stopSeries(tx, id));
        emit(taskEvent('task.updated', task, actor));
        return task;
      });
    },
  };
}

export type RecurrenceCommands = ReturnType<typeof recurrenceCommands>;
