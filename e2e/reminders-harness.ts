import { setTimeout as sleep } from 'node:timers/promises';
import { Reminder, type EventOf, type WsMessage } from '@taskflow/contracts';
import { userEvents, type Database } from '@taskflow/db';
import type { Fleet } from '@taskflow/testkit';
import { newUser, openSocket, type Socket, type User } from './harness.ts';

export { arrivedAt } from './harness.ts';

/** A task of `user` (due in a day) with one reminder at `remindAt`. */
export async function taskWithReminder(user: User, remindAt: Date, title = 'Call mum') {
  const { json: task } = await user.call('POST', '/tasks', {
    title,
    due_date: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const reminder = await addReminder(user, task.id, remindAt);
  return { task, reminder };
}

export async function addReminder(user: User, taskId: string, remindAt: Date): Promise<Reminder> {
  const { status, json } = await user.call('POST', `/tasks/${taskId}/reminders`, {
    remind_at: remindAt.toISOString(),
  });
  if (status !== 201) throw new Error(`reminder refused: ${status} ${JSON.stringify(json)}`);
  return Reminder.parse(json);
}

export const isReminder = (reminderId: string) => (message: WsMessage) =>
  message.type === 'reminder' && message.data.reminder_id === reminderId;

/** The user's `reminder.triggered` events as stored (the outbox / event store). */
export async function triggeredEvents(
  database: Database,
  userId: string,
): Promise<EventOf<'reminder.triggered'>[]> {
  return (await userEvents(database.db, userId)).filter(
    (event): event is EventOf<'reminder.triggered'> => event.event_type === 'reminder.triggered',
  );
}

/** The reminder messages a socket got, the first of each event id: what a client shows. */
export function shownReminders(socket: Socket) {
  const shown = new Map<string, { message: WsMessage; receivedAt: number }>();
  for (const entry of socket.messages) {
    if (entry.message.type === 'reminder' && !shown.has(entry.message.event_id)) {
      shown.set(entry.message.event_id, entry);
    }
  }
  return [...shown.values()];
}

/** The first instant of a whole second at least `ms` from now: "due in the same second". */
export function secondAfter(ms: number): number {
  return Math.ceil((Date.now() + ms) / 1000) * 1000;
}

/**
 * Waits until a reminder makes the whole trip (worker tick, relay, broker, ws-notifier). On
 * Kafka, ws-notifier's per-replica group starts at the newest offset once its partitions are
 * assigned, so a reminder fired before that would never reach it: probe first.
 */
export async function waitUntilRemindersDeliver(fleet: Fleet, timeoutMs = 90_000): Promise<void> {
  const probe = await newUser(fleet, 'reminder-probe');
  const socket = await openSocket(fleet, probe);
  const { json: task } = await probe.call('POST', '/tasks', { title: 'probe' });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const reminder = await addReminder(probe, task.id, new Date(Date.now() + 1000));
      const arrived = await socket.waitFor(isReminder(reminder.id), 5000).then(
        () => true,
        () => false,
      );
      if (arrived) return;
      await sleep(100);
    }
    throw new Error(`no reminder reached its socket within ${timeoutMs} ms`);
  } finally {
    socket.close();
  }
}
