export * from './fold.ts';
export * from './compare.ts';
export * from './differences.ts';
export * from './verify.ts';
export * from './republish.ts';
export * from './pace.ts';
