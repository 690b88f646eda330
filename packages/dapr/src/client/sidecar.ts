import { setTimeout as sleep } from 'node:timers/promises';
import { SidecarUnavailableError } from '../errors.ts';
import { callSidecar, type SidecarConnection } from './sidecar-http.ts';

/**
 * Resolves once the sidecar's own API is up: components loaded, publish and state usable.
 * Polls `/v1.0/healthz/outbound`, NOT `/v1.0/healthz`: the latter also waits for the app to
 * listen, and a service that waits for it before listening would wait forever.
 */
export async function waitForSidecar(
  connection: SidecarConnection,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const left = deadline - Date.now();
    try {
      const response = await callSidecar(connection, {
        operation: 'sidecar health check',
        method: 'GET',
        path: '/v1.0/healthz/outbound',
        timeoutMs: Math.max(1, Math.min(left, 2_000)),
      });
      if (response.status === 204 || response.status === 200) return;
      last = `HTTP ${response.status} ${response.text}`.trim();
    } catch (error) {
      last = error instanceof Error ? error.message.replace(/^.*? failed: /, '') : String(error);
    }
    if (Date.now() + (options.intervalMs ?? 100) >= deadline) break;
    await sleep(options.intervalMs ?? 100);
  }
  throw new SidecarUnavailableError(
    'wait for the Dapr sidecar',
    `not ready within ${timeoutMs} ms at ${connection.baseUrl}/v1.0/healthz/outbound ` +
      `(last: ${last}). Is daprd running with --dapr-http-port ${new URL(connection.baseUrl).port}?`,
  );
}
