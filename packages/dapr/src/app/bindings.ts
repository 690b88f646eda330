import type { Tick } from '@taskflow/messaging';
import type { FastifyInstance } from 'fastify';

/**
 * A tick as daprd's cron binding triggers it. POST <route>: the trigger, an empty body with
 * Content-Type application/json; one that arrives while the previous tick still runs is
 * answered at once and skipped (with `@every 1s` a slow tick must not pile up). Throwing answers
 * 500 (daprd logs it); the next trigger comes anyway. OPTIONS <route>: the probe daprd sends at
 * startup for input bindings without an explicit `direction`; anything but 2xx/405 and it never
 * triggers the binding.
 */
export function registerCronBinding(scope: FastifyInstance, binding: Tick): void {
  let running = false;
  scope.options(binding.route, async (_request, reply) => reply.code(200).send());
  scope.post(binding.route, async (request, reply) => {
    if (running) {
      request.log.debug({ route: binding.route }, 'tick skipped: the previous one still runs');
      return reply.code(200).send();
    }
    running = true;
    try {
      await binding.handler({ log: request.log });
    } finally {
      running = false;
    }
    return reply.code(200).send();
  });
}
