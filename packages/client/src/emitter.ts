/** A minimal typed event emitter that works the same in browsers and Node. */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(type: K, listener: (value: Events[K]) => void): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    set.add(listener as (value: never) => void);
    this.#listeners.set(type, set);
    return () => set.delete(listener as (value: never) => void);
  }

  protected emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      // One failing listener must not keep the others (or the socket) from working.
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (error) {
        console.error(error);
      }
    }
  }
}
