import type { EventEnvelope } from '@taskflow/contracts';
import type { CreatedTask, Database, Tx } from '@taskflow/db';
import { appendEvents, insertTasksWithEvents } from '@taskflow/db/event-append';
import type { Relay } from './relay.ts';

/** Hands the unit of work an event to append with its change; any number, in order. */
export type Emit = (...events: EventEnvelope[]) => void;

/**
 * The only way to append events (packages/db's append statements are not exported to anyone
 * else): each commit that appended some wakes the relay, once it has committed. So no change can
 * commit an event the relay is not told about, and the relay is never woken for one that is not
 * there yet (or never will be).
 */
export interface Outbox {
  /**
   * One unit of work: runs `work` in one transaction, appends every event it emitted in that
   * same transaction (one statement, after `work` returns), commits, and then wakes the relay.
   * If anything throws, or COMMIT fails, nothing of it is written and the relay is not woken.
   */
  commit<T>(work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T>;
  /**
   * The batch form of the hottest write: users (first use), tasks and their `task.created`
   * events in ONE statement, atomic without a transaction, then the relay is woken. task-api
   * gathers concurrent creates into one call.
   */
  createTasks(created: CreatedTask[]): Promise<void>;
}

export interface OutboxOptions {
  database: Database;
  /** Woken after each commit that appended events (the service's own relay). */
  relay: Pick<Relay, 'notify'>;
}

export function createOutbox({ database, relay }: OutboxOptions): Outbox {
  return {
    async commit(work) {
      const { value, appended } = await database.transaction(async (tx) => {
        const events: EventEnvelope[] = [];
        let open = true;
        const emit: Emit = (...more) => {
          // An emit that comes too late (from a callback the work did not await) would be lost.
          if (!open) throw new Error('outbox: emit() called after its unit of work ended');
          events.push(...more);
        };
        try {
          const value = await work(tx, emit);
          open = false;
          await appendEvents(tx, events);
          return { value, appended: events.length };
        } finally {
          open = false;
        }
      });
      // Only here has the transaction committed: a relay woken earlier could claim before the
      // rows are visible and then sleep a whole poll interval while they wait.
      if (appended > 0) relay.notify();
      return value;
    },
    async createTasks(created) {
      if (created.length === 0) return;
      await insertTasksWithEvents(database.db, created);
      relay.notify();
    },
  };
}
