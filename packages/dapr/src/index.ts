export * from './errors.ts';
export { createDaprClient, type DaprClient, type DaprClientOptions } from './client/client.ts';
export type {
  BulkPublishEntry,
  BulkPublishOptions,
  BulkPublishResult,
  PublishOptions,
} from './client/publish.ts';
export type { InvokeBindingOptions } from './client/bindings.ts';
export type { Concurrency, StateEntry, StateItem, StateOperation } from './client/state.ts';
export {
  createReplicaBoard,
  type ReplicaBoard,
  type ReplicaBoardOptions,
} from './client/replica-board.ts';
export { registerSidecarRoutes, type SidecarRoutesOptions } from './app/sidecar-routes.ts';
export { sidecarDeadLetter } from './app/subscriptions.ts';
export { daprMessaging, type DaprMessagingOptions } from './messaging.ts';
export { daprPublisher } from './publisher.ts';
export { tokensEqual } from './app/token.ts';
export { startRateLimiter, type RateLimiterSetup } from './rate-limiter.ts';
