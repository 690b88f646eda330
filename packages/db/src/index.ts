export * from './client.ts';
export * from './rows.ts';
export * from './users.ts';
export * from './tasks.ts';
export * from './events.ts';
export * from './idempotency.ts';
export * from './migrate.ts';
export * as schema from './schema.ts';
export * from './outbox.ts';
