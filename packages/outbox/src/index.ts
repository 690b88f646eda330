export * from './publisher.ts';
export * from './relay.ts';
export * from './unit-of-work.ts';
