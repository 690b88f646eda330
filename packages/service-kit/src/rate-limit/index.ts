export * from './window-counter.ts';
export * from './fields.ts';
export * from './limiter.ts';
export * from './hook.ts';
export * from './settings.ts';
