import { DAPR_EVENT_TYPE } from '../cloud-events.ts';
import { makeEvent, topicOf, type EventData, type EventOf, type EventType } from '../events.ts';
import { freshTask, type Task } from '../tasks.ts';
import type { Project } from '../projects.ts';
import { toWsMessage, type WsEventMessage } from '../ws.ts';

// Fixed ids and instants: the document is the same every time it is generated, so the copy
// ws-notifier serves can be compared with this one.
const USER = 'alice';
const CORRELATION = '6f1c2a9e-3b7d-4e51-9c0a-8d2f4b6e1a37';
const AT = '2026-11-28T20:28:38.347Z';
const TASK_ID = '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11';
const SERIES_ID = '9a7c1e52-6d3b-4f80-b1e4-2c5d8f0a6b93';
const REMINDER_ID = '0b9e7d2c-2f4e-4c53-a8a2-0d2b1e6c9f10';
const PROJECT_ID = '5d0c7a2e-1b3f-4e6d-9a8c-7f2e1d0c3b4a';
const MEMBER = 'bob';

const task: Task = {
  ...freshTask({ id: TASK_ID, user_id: USER, title: 'Buy milk' }, AT),
  description: 'Get 2% milk from the grocery store',
  due_date: '2026-12-01T09:00:00.000Z',
};

const eventIds: Record<EventType, string> = {
  'task.created': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e01',
  'task.updated': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e02',
  'task.completed': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e03',
  'task.deleted': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e04',
  'recurring.spawned': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e05',
  'reminder.triggered': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e06',
  'project.created': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e07',
  'project.updated': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e08',
  'project.deleted': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e09',
  'project.member_added': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e0a',
  'project.member_updated': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e0b',
  'project.member_removed': '0f8b3c1e-8a4d-4c2b-9e6f-1a2b3c4d5e0c',
};

const owner = { user_id: USER, role: 'owner' as const, added_at: AT };
const editor = { user_id: MEMBER, role: 'editor' as const, added_at: AT };
const project: Project = {
  id: PROJECT_ID,
  name: 'Home',
  created_by: USER,
  members: [owner],
  version: 1,
  created_at: AT,
  updated_at: AT,
};
const shared = { ...project, members: [owner, editor], version: 3 };
const both = [USER, MEMBER];

const context = { userId: USER, correlationId: CORRELATION, at: new Date(AT) };

/** An event as makeEvent builds it, with a fixed id. */
function built<T extends EventType>(
  type: T,
  aggregate: { id: string; version: number },
  data: EventData<T>,
  audience?: string[],
): EventOf<T> {
  return {
    ...makeEvent(type, aggregate, data, { ...context, audience }),
    event_id: eventIds[type],
  };
}

/** One event of each type, for a sample task of user `alice`. */
export const exampleEvents: { [T in EventType]: EventOf<T> } = {
  'task.created': built('task.created', task, task),
  'task.updated': built('task.updated', { id: TASK_ID, version: 2 }, { ...task, version: 2 }),
  'task.completed': built(
    'task.completed',
    { id: TASK_ID, version: 3 },
    { ...task, completed: true, completed_at: AT, version: 3 },
  ),
  'task.deleted': built('task.deleted', { id: TASK_ID, version: 4 }, { ...task, version: 4 }),
  'recurring.spawned': built(
    'recurring.spawned',
    { id: SERIES_ID, version: 5 },
    {
      series_id: SERIES_ID,
      instance_id: TASK_ID,
      occurrence_at: '2026-12-01T09:00:00.000Z',
      next_occurrence: '2026-12-02T09:00:00.000Z',
      title: 'Standup',
      due_date: '2026-12-01T09:00:00.000Z',
      project_id: null,
    },
  ),
  'reminder.triggered': built(
    'reminder.triggered',
    { id: REMINDER_ID, version: 2 },
    {
      reminder_id: REMINDER_ID,
      task_id: TASK_ID,
      title: 'Buy milk',
      remind_at: '2026-12-01T08:45:00.000Z',
      due_date: '2026-12-01T09:00:00.000Z',
      late: false,
      project_id: null,
    },
  ),
  'project.created': built('project.created', project, project),
  'project.updated': built(
    'project.updated',
    { id: PROJECT_ID, version: 4 },
    { ...shared, name: 'Home and garden', version: 4 },
    both,
  ),
  'project.deleted': built(
    'project.deleted',
    { id: PROJECT_ID, version: 5 },
    {
      ...shared,
      version: 5,
    },
    both,
  ),
  'project.member_added': built(
    'project.member_added',
    { id: PROJECT_ID, version: 2 },
    {
      project: { ...shared, members: [owner, { ...editor, role: 'viewer' }], version: 2 },
      member: { ...editor, role: 'viewer' },
    },
    both,
  ),
  'project.member_updated': built(
    'project.member_updated',
    { id: PROJECT_ID, version: 3 },
    { project: shared, member: editor },
    both,
  ),
  'project.member_removed': built(
    'project.member_removed',
    { id: PROJECT_ID, version: 6 },
    { project: { ...project, version: 6 }, member: editor },
    both,
  ),
};

/** Who publishes each event type: the CloudEvent `source` is that app's id. */
const publisherOf: Record<EventType, string> = {
  'task.created': 'task-api',
  'task.updated': 'task-api',
  'task.completed': 'task-api',
  'task.deleted': 'task-api',
  'recurring.spawned': 'scheduler',
  'reminder.triggered': 'reminder-worker',
  'project.created': 'task-api',
  'project.updated': 'task-api',
  'project.deleted': 'task-api',
  'project.member_added': 'task-api',
  'project.member_updated': 'task-api',
  'project.member_removed': 'task-api',
};

/** An event as it lies on its topic: inside the CloudEvent the relay writes. */
export function exampleCloudEvent(type: EventType) {
  const traceparent = `00-${CORRELATION.replaceAll('-', '')}-8d2f4b6e1a370f8b-01`;
  return {
    specversion: '1.0',
    id: 'c5a3e1f0-2b4d-4e6f-8a9b-0c1d2e3f4a5b',
    source: publisherOf[type],
    type: DAPR_EVENT_TYPE,
    datacontenttype: 'application/json',
    time: `${AT.slice(0, 19)}Z`,
    topic: topicOf(type),
    pubsubname: 'taskflow-pubsub',
    traceid: traceparent,
    traceparent,
    tracestate: '',
    data: exampleEvents[type],
  };
}

/** What a socket of `alice` receives for each example event. */
export const exampleSocketMessages = Object.fromEntries(
  Object.values(exampleEvents).map((event) => {
    const message = toWsMessage(event);
    return [message.type, message];
  }),
) as Record<WsEventMessage['type'], WsEventMessage>;

export const exampleUser = USER;
