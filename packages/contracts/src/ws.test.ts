import { describe, expect, it } from 'vitest';
import { makeEvent } from './events.ts';
import { WsMessage, toWsMessage } from './ws.ts';

const context = { userId: 'u1', correlationId: 'c-1' };

describe('toWsMessage', () => {
  it('maps a reminder to the seed type `reminder` with the task as data', () => {
    const event = makeEvent(
      'reminder.triggered',
      { id: '0b9e7d2c-2f4e-4c53-a8a2-0d2b1e6c9f10', version: 1 },
      {
        reminder_id: '0b9e7d2c-2f4e-4c53-a8a2-0d2b1e6c9f10',
        task_id: '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90',
        title: 'Call mum',
        remind_at: '2026-02-15T08:45:00.000Z',
        due_date: '2026-02-15T09:00:00.000Z',
        late: false,
        project_id: null,
      },
      context,
    );
    const message = WsMessage.parse(toWsMessage(event));
    expect(message).toMatchObject({
      type: 'reminder',
      data: { id: '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90', title: 'Call mum', completed: false },
      event_id: event.event_id,
      correlation_id: 'c-1',
      timestamp: event.timestamp,
    });
  });

  it('rejects a message without event id', () => {
    expect(
      WsMessage.safeParse({
        type: 'task.created',
        data: {
          id: '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90',
          title: 't',
          completed: false,
          due_date: null,
        },
        timestamp: '2026-02-15T08:45:00.000Z',
        correlation_id: 'c',
        aggregate_version: 1,
      }).success,
    ).toBe(false);
  });
});
