import type { FastifyInstance } from 'fastify';

/** A named dependency the service cannot serve without; true when it answers. */
export type ReadinessCheck = { name: string; check: () => Promise<boolean> };

/**
 * `/healthz`: the process is alive. `/readyz`: every dependency answers, so traffic may come;
 * 503 names the ones that do not.
 */
export function registerHealth(app: FastifyInstance, checks: ReadinessCheck[]): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => [name, await check().catch(() => false)] as const),
    );
    const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
    return reply
      .code(failing.length ? 503 : 200)
      .send({ status: failing.length ? 'unavailable' : 'ok', failing });
  });
}
