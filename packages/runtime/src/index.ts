export * from './clients.ts';
export * from './messaging.ts';
export * from './rate-limiter.ts';
