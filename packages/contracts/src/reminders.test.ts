import { describe, expect, it } from 'vitest';
import {
  CreateReminderBody,
  MINUTES_BEFORE_MAX,
  PendingRemindersQuery,
  ReminderPathParams,
} from './reminders.ts';

describe('CreateReminderBody', () => {
  it('normalises an absolute time to UTC', () => {
    expect(CreateReminderBody.parse({ remind_at: '2030-02-15T09:45:00+01:00' })).toEqual({
      remind_at: '2030-02-15T08:45:00.000Z',
    });
  });

  it('takes a whole number of minutes before the due date, 0 meaning at it', () => {
    expect(CreateReminderBody.parse({ minutes_before: 15 })).toEqual({ minutes_before: 15 });
    expect(CreateReminderBody.parse({ minutes_before: 0 })).toEqual({ minutes_before: 0 });
    expect(CreateReminderBody.parse({ minutes_before: MINUTES_BEFORE_MAX }).minutes_before).toBe(
      MINUTES_BEFORE_MAX,
    );
  });

  it.each([
    ['nothing', {}],
    ['both shapes at once', { remind_at: '2030-02-15T09:00:00Z', minutes_before: 5 }],
    ['a time without an offset', { remind_at: '2030-02-15T09:00:00' }],
    ['a time that is no ISO 8601', { remind_at: 'tomorrow 9am' }],
    ['a date without a time', { remind_at: '2030-02-15' }],
    ['an ISO 8601 duration instead of minutes', { minutes_before: 'PT15M' }],
    ['negative minutes (after the due date)', { minutes_before: -5 }],
    ['fractional minutes', { minutes_before: 1.5 }],
    ['more than a year before', { minutes_before: MINUTES_BEFORE_MAX + 1 }],
    ['null', { remind_at: null }],
    ['an unknown field', { remind_at: '2030-02-15T09:00:00Z', channel: 'sms' }],
  ])('rejects %s', (_name, body) => {
    expect(CreateReminderBody.safeParse(body).success).toBe(false);
  });
});

describe('PendingRemindersQuery', () => {
  it('lists pending reminders unless told otherwise', () => {
    expect(PendingRemindersQuery.parse({})).toEqual({ limit: 50, status: ['pending'] });
  });

  it('reads a comma-separated status filter, once each', () => {
    expect(PendingRemindersQuery.parse({ status: 'missed' }).status).toEqual(['missed']);
    expect(PendingRemindersQuery.parse({ status: 'pending,missed,missed' }).status).toEqual([
      'pending',
      'missed',
    ]);
  });

  it.each([
    { status: 'fired' },
    { status: 'cancelled' },
    { status: '' },
    { status: 'pending,' },
    { limit: '0' },
    { limit: '201' },
    { sort: 'desc' },
  ])('rejects %o', (query) => {
    expect(PendingRemindersQuery.safeParse(query).success).toBe(false);
  });
});

describe('ReminderPathParams', () => {
  it('needs uuids for the task and the reminder', () => {
    const task = '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11';
    expect(
      ReminderPathParams.safeParse({ user_id: 'u', id: task, reminder_id: task }).success,
    ).toBe(true);
    expect(ReminderPathParams.safeParse({ user_id: 'u', id: task, reminder_id: '1' }).success).toBe(
      false,
    );
  });
});
