export { backoffDelay, type BackoffOptions } from './backoff.ts';
export { Emitter } from './emitter.ts';
export {
  HEARTBEAT_TIMEOUT,
  LiveSocket,
  type ConnectionState,
  type LiveSocketEvents,
  type LiveSocketOptions,
} from './live/live-socket.ts';
export { ApiError, createHttp, type HttpOptions } from './rest/http.ts';
export {
  createTaskflowClient,
  type TaskflowClient,
  type TaskflowClientOptions,
} from './rest/client.ts';
export type { TaskListQuery, WriteOptions } from './rest/tasks.ts';
export { ProjectView } from './project-view.ts';
export { SeenEvents } from './seen-events.ts';
export { TaskSync, type TaskSyncEvents } from './sync.ts';
export { TaskView, type ApplyResult } from './task-view.ts';
