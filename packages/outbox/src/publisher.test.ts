import { describe, expect, it } from 'vitest';
import type { EventType } from '@taskflow/contracts';
import { byTopic, refused } from './publisher.ts';

const event = (eventId: string, type: EventType) => ({ eventId, type });

describe('byTopic', () => {
  it("splits events by their type's topic, keeping each topic's order", () => {
    const events = [
      event('a', 'task.created'),
      event('b', 'reminder.triggered'),
      event('c', 'task.deleted'),
    ];
    const groups = byTopic(events, (e) => e.type);
    expect([...groups.keys()]).toEqual(['tasks.events', 'reminders.events']);
    expect(groups.get('tasks.events')!.map((e) => e.eventId)).toEqual(['a', 'c']);
    expect(groups.get('reminders.events')!.map((e) => e.eventId)).toEqual(['b']);
  });
});

describe('refused', () => {
  it('keeps the events whose ids the broker refused, in order, and ignores unknown ids', () => {
    const events = [
      event('a', 'task.created'),
      event('b', 'task.created'),
      event('c', 'task.created'),
    ];
    expect(refused(events, ['c', 'x', 'a']).map((e) => e.eventId)).toEqual(['a', 'c']);
    expect(refused(events, [])).toEqual([]);
  });
});
