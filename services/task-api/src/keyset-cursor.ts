/**
 * Cursors for keyset pagination over (an instant, an id): `<epoch ms>_<uuid>`, the shape
 * contracts' `Cursor` publishes. The route schema has already checked that shape, so every
 * cursor decodes; an instant beyond what any row holds (years 0001-9999) is moved to that bound,
 * which is the same position for every list.
 */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

export function encodeKeyset(at: string, id: string): string {
  return `${Date.parse(at)}_${id}`;
}

export function decodeKeyset(cursor: string): { at: Date; id: string } {
  const split = cursor.indexOf('_');
  const ms = Math.min(LATEST, Math.max(EARLIEST, Number(cursor.slice(0, split))));
  return { at: new Date(ms), id: cursor.slice(split + 1).toLowerCase() };
}
