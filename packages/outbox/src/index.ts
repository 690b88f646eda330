export * from './publisher.ts';
export * from './relay.ts';
export * from './event-writer.ts';
