import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EtagMismatchError } from '../errors.ts';
import type { DaprClient } from './client.ts';

export interface ReplicaBoardOptions {
  /** The state store (keys are prefixed with the app id: a board is shared by one app's replicas). */
  store: string;
  /** Names this board's keys: "rate-limit" gives rate-limit/roster and rate-limit/replica/<id>. */
  name: string;
  /** How long a replica's document outlives its last publish (a dead replica's fades). */
  ttlSeconds: number;
  /** Default: host name, pid and a random suffix. */
  replicaId?: string;
  now?: () => number;
}

/**
 * A notice board in the Dapr state store for the replicas of one app: each publishes one JSON
 * document under its own key and reads everyone else's, two sidecar calls per exchange (a save
 * and a bulk get). Who the others are comes from a roster key that each replica adds itself to
 * (etag-checked, so concurrent joins do not erase each other) and refreshes now and then;
 * a replica gone quiet for a while is dropped from it.
 */
export interface ReplicaBoard<T> {
  readonly replicaId: string;
  /** Publishes `mine`; answers the other replicas' latest documents (not yet expired). */
  exchange(mine: T): Promise<T[]>;
}

type Roster = Record<string, number>;

export function createReplicaBoard<T>(
  dapr: DaprClient,
  options: ReplicaBoardOptions,
): ReplicaBoard<T> {
  const now = options.now ?? Date.now;
  const replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const rosterKey = `${options.name}/roster`;
  const documentKey = (id: string) => `${options.name}/replica/${id}`;
  // Refreshing the roster entry at a third of the ttl keeps a live replica listed; one silent
  // for ten ttls is taken off (its document expired long before).
  const refreshMs = (options.ttlSeconds * 1000) / 3;
  const dropAfterMs = options.ttlSeconds * 10_000;
  let peers: string[] = [];
  let listedAt = Number.NEGATIVE_INFINITY;

  const joinRoster = async (current: { value: unknown; etag: string } | undefined) => {
    const at = now();
    const roster: Roster = {};
    for (const [id, seen] of Object.entries((current?.value ?? {}) as Roster)) {
      if (typeof seen === 'number' && at - seen < dropAfterMs) roster[id] = seen;
    }
    roster[replicaId] = at;
    try {
      await dapr.saveState(options.store, [
        current
          ? { key: rosterKey, value: roster, etag: current.etag, concurrency: 'first-write' }
          : { key: rosterKey, value: roster, concurrency: 'first-write' },
      ]);
      listedAt = at;
    } catch (error) {
      // Another replica wrote the roster in between: the next exchange reads it and tries again.
      if (!(error instanceof EtagMismatchError)) throw error;
    }
  };

  return {
    replicaId,
    async exchange(mine) {
      await dapr.saveState(options.store, [
        { key: documentKey(replicaId), value: mine, ttlSeconds: options.ttlSeconds },
      ]);
      const entries = await dapr.getBulkState(options.store, [
        rosterKey,
        ...peers.map(documentKey),
      ]);
      const roster = entries.get(rosterKey);
      const listed = (roster?.value ?? {}) as Roster;
      const others: T[] = [];
      for (const id of peers) {
        const entry = entries.get(documentKey(id));
        if (entry) others.push(entry.value as T);
      }
      // The next exchange reads whoever is listed now (a replica that just joined: one round late).
      peers = Object.keys(listed).filter((id) => id !== replicaId);
      if (listed[replicaId] === undefined || now() - listedAt >= refreshMs)
        await joinRoster(roster);
      return others;
    },
  };
}
