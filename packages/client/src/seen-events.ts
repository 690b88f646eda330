/**
 * The event ids seen lately, to drop redeliveries (delivery is at least once, and a resume may
 * replay what already arrived). Bounded: the oldest ids are forgotten first; a duplicate older
 * than that is still harmless, because tasks are applied by version.
 */
export class SeenEvents {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 2_000) {
    this.#capacity = capacity;
  }

  /** True the first time an id is seen, false for a duplicate. */
  add(eventId: string): boolean {
    if (this.#ids.has(eventId)) return false;
    this.#ids.add(eventId);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value!);
    return true;
  }
}
