export * from './settings.ts';
export * from './check.ts';
export * from './client-options.ts';
export * from './partitioner.ts';
export * from './producer.ts';
export * from './publisher.ts';
export * from './consumer.ts';
export * from './messaging.ts';
export type { RetryPolicy } from './record-delivery.ts';
