export * from './settings.ts';
export * from './check.ts';
export * from './client-options.ts';
