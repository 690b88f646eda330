export * from './common.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './tasks.ts';
export * from './ws.ts';
