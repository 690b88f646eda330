import { keysetCursor } from '../keyset-cursor.ts';

/** Keyset position in the (created_at desc, id desc) order of task lists. */
const cursor = keysetCursor('c');

export function encodeCursor(task: { created_at: string; id: string }): string {
  return cursor.encode(task.created_at, task.id);
}

export function decodeCursor(value: string): { createdAt: Date; id: string } {
  const { at, id } = cursor.decode(value);
  return { createdAt: at, id };
}
