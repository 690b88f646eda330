import { decodeKeyset } from '../keyset-cursor.ts';

/**
 * Keyset position in a task list: the last item's sort key (epoch ms of an instant, a priority,
 * a scaled rank) or `n` when it has none, and its id. Only meaningful with the query (sort,
 * order, filters) that handed it out; with another it is still a position, just not a useful one.
 */
export function encodeCursor(key: number | null, id: string): string {
  return `${key ?? 'n'}_${id}`;
}

export function decodeCursor(value: string): { key: number | null; id: string } {
  if (value.startsWith('n_')) return { key: null, id: value.slice(2).toLowerCase() };
  const { at, id } = decodeKeyset(value);
  return { key: at.getTime(), id };
}
