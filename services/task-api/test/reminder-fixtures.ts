import { Reminder, Task } from '@taskflow/contracts';
import {
  fireDueReminders,
  insertReminder,
  settleUnfireableReminders,
  toReminder,
} from '@taskflow/db';
import type { TestApi } from './api.ts';

export type User = { id: string; token: string };

/** An instant `minutes` from now, as the API writes it. */
export const inMinutes = (minutes: number) =>
  new Date(Math.floor(Date.now() / 1000) * 1000 + minutes * 60_000).toISOString();

export const minus = (iso: string, minutes: number) =>
  new Date(new Date(iso).getTime() - minutes * 60_000).toISOString();

/** A task of `user`, due in two hours unless told otherwise. */
export async function newTask(
  api: TestApi,
  user: User,
  fields: { title?: string; due_date?: string | null } = {},
): Promise<Task> {
  const response = await api.call('POST', `/api/${user.id}/tasks`, {
    token: user.token,
    body: { title: fields.title ?? 'Call mum', due_date: inMinutes(120), ...fields },
  });
  if (response.statusCode !== 201) throw new Error(`task not created: ${response.body}`);
  return Task.parse(response.json());
}

export function addReminder(
  api: TestApi,
  user: User,
  taskId: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return api.call('POST', `/api/${user.id}/tasks/${taskId}/reminders`, {
    token: user.token,
    body,
    headers,
  });
}

/** Adds a reminder that must be accepted, and returns it. */
export async function reminderOf(
  api: TestApi,
  user: User,
  taskId: string,
  body: unknown,
): Promise<Reminder> {
  const response = await addReminder(api, user, taskId, body);
  if (response.statusCode !== 201) throw new Error(`reminder not created: ${response.body}`);
  return Reminder.parse(response.json());
}

export async function remindersOf(api: TestApi, user: User, taskId: string): Promise<Reminder[]> {
  const response = await api.call('GET', `/api/${user.id}/tasks/${taskId}/reminders`, {
    token: user.token,
  });
  if (response.statusCode !== 200) throw new Error(`no list: ${response.body}`);
  return Reminder.array().parse(response.json().items);
}

/**
 * A reminder whose time has passed, written straight to the table: the API refuses past times,
 * but the worker's states (fired, missed) only exist for those.
 */
export async function pastReminder(
  api: TestApi,
  user: User,
  taskId: string,
  secondsAgo: number,
  offsetSeconds: number | null = null,
): Promise<Reminder> {
  const row = await insertReminder(api.database.db, {
    taskId,
    userId: user.id,
    remindAt: new Date(Math.floor(Date.now() / 1000) * 1000 - secondsAgo * 1000),
    offsetSeconds,
  });
  return toReminder(row!);
}

/** What the reminder-worker does on a tick, with its own queries: fire due, miss overdue. */
export async function workerTick(api: TestApi, graceSeconds = 3600) {
  await fireDueReminders(api.database.db, { graceSeconds, lateSeconds: 5, limit: 10_000 });
  await settleUnfireableReminders(api.database.db, { graceSeconds, limit: 10_000 });
}
