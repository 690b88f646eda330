export * from './postgres.ts';
export * from './postgres-server.ts';
export * from './daprd.ts';
export * from './ports.ts';
export * from './processes.ts';
export * from './fleet.ts';
export * from './outage.ts';
export * from './log-census.ts';
