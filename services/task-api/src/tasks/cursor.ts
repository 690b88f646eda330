import { decodeKeyset, encodeKeyset } from '../keyset-cursor.ts';

/** Keyset position in the (created_at desc, id desc) order of task lists. */
export function encodeCursor(task: { created_at: string; id: string }): string {
  return encodeKeyset(task.created_at, task.id);
}

export function decodeCursor(value: string): { createdAt: Date; id: string } {
  const { at, id } = decodeKeyset(value);
  return { createdAt: at, id };
}
