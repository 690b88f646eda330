import { describe, expect, it } from 'vitest';
import { EventEnvelope, makeEvent, topicOf } from './events.ts';
import type { Task } from './tasks.ts';

const task: Task = {
  id: '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11',
  user_id: 'user-123',
  title: 'Buy milk',
  description: 'Get 2% milk from grocery store',
  completed: false,
  completed_at: null,
  due_date: '2026-02-15T09:00:00.000Z',
  recurrence_rule: 'FREQ=WEEKLY;BYDAY=MO',
  is_recurring: true,
  next_occurrence: '2026-02-16T09:00:00.000Z',
  time_zone: 'Europe/Berlin',
  recurrence_mode: 'schedule',
  series_start: '2026-02-16T08:00:00.000Z',
  series_id: null,
  occurrence_at: null,
  project_id: null,
  priority: 4,
  tags: ['errands'],
  version: 1,
  created_at: '2026-02-14T15:30:45.000Z',
  updated_at: '2026-02-14T15:30:45.000Z',
};

const context = { userId: 'user-123', correlationId: '550e8400-e29b-41d4-a716-446655440001' };

describe('event envelope', () => {
  it('carries every field of the seed envelope plus the aggregate version', () => {
    const event = makeEvent('task.created', task, task, context);
    const parsed = EventEnvelope.parse(event);
    expect(Object.keys(parsed).sort()).toEqual(
      [
        'aggregate_id',
        'aggregate_version',
        'correlation_id',
        'data',
        'event_id',
        'event_type',
        'timestamp',
        'user_id',
        'version',
      ].sort(),
    );
    expect(parsed).toMatchObject({ aggregate_id: task.id, aggregate_version: 1, version: 1 });
    // The seed's sample data fields all travel in `data`.
    for (const field of ['title', 'description', 'due_date', 'recurrence_rule', 'is_recurring']) {
      expect(parsed.data).toHaveProperty(field);
    }
  });

  it('gives every event a new id', () => {
    const a = makeEvent('task.updated', task, task, context);
    const b = makeEvent('task.updated', task, task, context);
    expect(a.event_id).not.toBe(b.event_id);
  });

  it('routes reminder events to reminders.events and the rest to tasks.events', () => {
    expect(topicOf('reminder.triggered')).toBe('reminders.events');
    for (const type of [
      'task.created',
      'task.updated',
      'task.deleted',
      'task.completed',
      'recurring.spawned',
    ] as const) {
      expect(topicOf(type)).toBe('tasks.events');
    }
  });

  it.each([
    ['an unknown event type', { event_type: 'task.exploded' }],
    ['a missing event id', { event_id: undefined }],
    ['an event id that is not a uuid', { event_id: 'abc' }],
    ['a timestamp that is not ISO 8601', { timestamp: '14/02/2026' }],
    ['a zero aggregate version', { aggregate_version: 0 }],
    ['another envelope version', { version: 2 }],
    ['data of another event type', { event_type: 'reminder.triggered' }],
  ])('rejects %s', (_name, change) => {
    const event = { ...makeEvent('task.created', task, task, context), ...change };
    expect(EventEnvelope.safeParse(event).success).toBe(false);
  });
});
