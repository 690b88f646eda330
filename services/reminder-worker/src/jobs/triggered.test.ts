import { describe, expect, it } from 'vitest';
import { EventEnvelope, toWsMessage, topicOf } from '@taskflow/contracts';
import { triggeredEvent } from './triggered.ts';

const fired = {
  id: '0b9e7d2c-2f4e-4c53-a8a2-0d2b1e6c9f10',
  taskId: '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90',
  userId: 'alice',
  title: 'Call mum',
  remindAt: new Date('2030-02-15T08:45:00.000Z'),
  dueDate: new Date('2030-02-15T09:00:00.000Z'),
  late: false,
  projectId: null,
  firedAt: new Date('2030-02-15T08:45:00.412Z'),
};

describe('triggeredEvent', () => {
  it('is a valid reminder.triggered envelope for reminders.events, stamped when it fired', () => {
    const event = EventEnvelope.parse(triggeredEvent(fired));
    expect(event).toMatchObject({
      event_type: 'reminder.triggered',
      user_id: 'alice',
      aggregate_id: fired.id,
      aggregate_version: 1,
      correlation_id: fired.id,
      timestamp: '2030-02-15T08:45:00.412Z',
      data: {
        reminder_id: fired.id,
        task_id: fired.taskId,
        title: 'Call mum',
        remind_at: '2030-02-15T08:45:00.000Z',
        due_date: '2030-02-15T09:00:00.000Z',
        late: false,
      },
    });
    expect(topicOf(event.event_type)).toBe('reminders.events');
  });

  it('becomes the seed’s WebSocket message `reminder` about the task', () => {
    const message = toWsMessage(triggeredEvent({ ...fired, dueDate: null, late: true }));
    expect(message).toMatchObject({
      type: 'reminder',
      data: { id: fired.taskId, title: 'Call mum', due_date: null, late: true },
    });
  });

  it('gives each firing its own event id', () => {
    expect(triggeredEvent(fired).event_id).not.toBe(triggeredEvent(fired).event_id);
  });
});
