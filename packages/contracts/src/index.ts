export * from './common.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './recurrence.ts';
export * from './series.ts';
export * from './tasks.ts';
export * from './reminders.ts';
export * from './ws.ts';
