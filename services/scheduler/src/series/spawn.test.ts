import { describe, expect, it } from 'vitest';
import { EventEnvelope, RecurringSpawnedData, type Task } from '@taskflow/contracts';
import { advanced, buildSpawn, spawnEvents } from './spawn.ts';

const series: Task = {
  id: '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11',
  user_id: 'user-1',
  title: 'Water the plants',
  description: 'the ones on the balcony',
  completed: false,
  completed_at: null,
  due_date: null,
  recurrence_rule: 'FREQ=DAILY',
  is_recurring: true,
  next_occurrence: '2027-01-10T08:00:00.000Z',
  time_zone: 'Europe/Berlin',
  recurrence_mode: 'schedule',
  series_start: '2027-01-04T08:00:00.000Z',
  series_id: null,
  occurrence_at: null,
  priority: 3,
  tags: ['garden'],
  project_id: null,
  version: 4,
  created_at: '2027-01-01T00:00:00.000Z',
  updated_at: '2027-01-09T08:00:00.000Z',
};
const now = new Date('2027-01-10T08:00:00.300Z');
const plan = {
  occurrence: new Date('2027-01-10T08:00:00Z'),
  next: new Date('2027-01-11T08:00:00Z'),
  recurring: true,
};

describe('buildSpawn', () => {
  it('copies title, description, priority and tags into a one-off due at the occurrence, linked to its series', () => {
    const { instance, series: after, correlationId } = buildSpawn(series, plan, now);
    expect(instance).toMatchObject({
      user_id: 'user-1',
      title: 'Water the plants',
      description: 'the ones on the balcony',
      priority: 3,
      tags: ['garden'],
      completed: false,
      due_date: '2027-01-10T08:00:00.000Z',
      occurrence_at: '2027-01-10T08:00:00.000Z',
      series_id: series.id,
      is_recurring: false,
      recurrence_rule: null,
      version: 1,
      created_at: now.toISOString(),
    });
    expect(instance.id).not.toBe(series.id);
    expect(after).toEqual({
      ...series,
      next_occurrence: '2027-01-11T08:00:00.000Z',
      version: 5,
      updated_at: now.toISOString(),
    });
    expect(correlationId).toBe(`spawn:${series.id}:2027-01-10T08:00:00.000Z`);
  });

  it("puts the instance in the series' project, and says so in recurring.spawned", () => {
    const projectId = '5d0c7a2e-1b3f-4e6d-9a8c-7f2e1d0c3b4a';
    const spawn = buildSpawn({ ...series, project_id: projectId }, plan, now);
    expect(spawn.instance.project_id).toBe(projectId);
    const [, spawned] = spawnEvents(spawn, true, now);
    expect(spawned!.data).toMatchObject({ project_id: projectId });
  });

  it('stops a series that has no occurrence left', () => {
    const { series: after } = buildSpawn(series, { ...plan, next: null, recurring: false }, now);
    expect(after).toMatchObject({ is_recurring: false, next_occurrence: null, version: 5 });
  });
});

describe('spawnEvents', () => {
  it("appends task.created and recurring.spawned of the instance, then the series' task.updated", () => {
    const spawn = buildSpawn(series, plan, now);
    const events = spawnEvents(spawn, true, now).map((event) => EventEnvelope.parse(event));
    expect(events.map((e) => [e.event_type, e.aggregate_id, e.aggregate_version])).toEqual([
      ['task.created', spawn.instance.id, 1],
      ['recurring.spawned', spawn.instance.id, 1],
      ['task.updated', series.id, 5],
    ]);
    expect(RecurringSpawnedData.parse(events[1]!.data)).toEqual({
      series_id: series.id,
      instance_id: spawn.instance.id,
      occurrence_at: '2027-01-10T08:00:00.000Z',
      next_occurrence: '2027-01-11T08:00:00.000Z',
      title: 'Water the plants',
      due_date: '2027-01-10T08:00:00.000Z',
      project_id: null,
    });
    for (const event of events) {
      expect(event).toMatchObject({
        user_id: 'user-1',
        correlation_id: spawn.correlationId,
        timestamp: now.toISOString(),
      });
    }
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
  });

  it('appends only the series update when the instance already existed', () => {
    const spawn = buildSpawn(series, plan, now);
    expect(spawnEvents(spawn, false, now).map((e) => e.event_type)).toEqual(['task.updated']);
  });
});

describe('advanced', () => {
  it('clears the next occurrence of a series that stops', () => {
    expect(advanced(series, new Date(), false, now)).toMatchObject({
      is_recurring: false,
      next_occurrence: null,
    });
  });
});
