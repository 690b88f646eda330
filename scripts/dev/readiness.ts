// When the dev fleet can really be used: every service answers /readyz and every sidecar
// /v1.0/healthz (which daprd answers 204 only once its components are loaded and its app
// channel is up), not merely "the processes were started".
import { setTimeout as sleep } from 'node:timers/promises';

/** One URL that must answer 2xx, with a name for the "still waiting for" line. */
export interface Probe {
  name: string;
  url: string;
}

/**
 * Polls every probe until each has answered 2xx once. Every `reportEveryMs` it reports the ones
 * still waiting (a sidecar that cannot reach its broker keeps the fleet from being ready, and the
 * developer should see which). Resolves when all are ready.
 */
export async function waitUntilReady(
  probes: Probe[],
  options: { report: (waiting: Probe[]) => void; reportEveryMs?: number },
): Promise<void> {
  const reportEveryMs = options.reportEveryMs ?? 15_000;
  let waiting = probes;
  let nextReport = Date.now() + reportEveryMs;
  while (waiting.length > 0) {
    const answers = await Promise.all(waiting.map(answers2xx));
    waiting = waiting.filter((_, i) => !answers[i]);
    if (waiting.length === 0) return;
    if (Date.now() >= nextReport) {
      options.report(waiting);
      nextReport = Date.now() + reportEveryMs;
    }
    await sleep(250);
  }
}

async function answers2xx(probe: Probe): Promise<boolean> {
  try {
    const response = await fetch(probe.url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
