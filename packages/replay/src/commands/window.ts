import {
  firstSeqAtOrAfter,
  lastSeq,
  seqOfEvent,
  type Executor,
  type RepublishFilter,
} from '@taskflow/db';
import type { Since } from '../args.ts';
import { UsageError } from '../errors.ts';

/**
 * The stored events `--since` (and `--user`, `--topic`) select, fixed now: up to the newest
 * event, so a run ends even while traffic goes on. `--since <event_id>` starts AT that event
 * (a consumer that names the last event it saw gets it again, which it drops as a duplicate).
 */
export async function resolveWindow(
  ex: Executor,
  since: Since,
  scope: { userId: string | undefined; topic: string | undefined },
  now = new Date(),
): Promise<RepublishFilter> {
  const toSeq = await lastSeq(ex);
  if (since.kind === 'event') {
    const seq = await seqOfEvent(ex, since.eventId);
    if (seq === undefined)
      throw new UsageError(`--since ${since.text}: no event with this id in the store`);
    return { fromSeq: seq, toSeq, userId: scope.userId, topic: scope.topic };
  }
  const occurredFrom = since.kind === 'time' ? since.at : new Date(now.getTime() - since.ms);
  const fromSeq = (await firstSeqAtOrAfter(ex, occurredFrom)) ?? toSeq + 1;
  return { fromSeq, toSeq, occurredFrom, userId: scope.userId, topic: scope.topic };
}
