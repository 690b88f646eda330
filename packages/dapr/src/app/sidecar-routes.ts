import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { DaprClient } from '../client/client.ts';
import type { Subscription, Tick } from '@taskflow/messaging';
import { registerCronBinding } from './bindings.ts';
import { registerSubscription, sidecarDeadLetter } from './subscriptions.ts';
import { requireAppToken } from './token.ts';

export interface SidecarRoutesOptions {
  /** Publishes invalid messages to the dead-letter topic. */
  dapr: Pick<DaprClient, 'publish'>;
  /** TOPIC_NAMESPACE: the dead-letter topic is `<namespace>.events.deadletter`. */
  topicNamespace?: string;
  /** APP_API_TOKEN: when set, every route here answers 401 unless daprd's token comes with it. */
  appApiToken?: string | undefined;
  subscriptions?: readonly Subscription[];
  bindings?: readonly Tick[];
  /** Largest delivery accepted, in bytes (default 16 MiB: a bulk batch holds up to 100 events). */
  deliveryBodyLimit?: number;
}

type AnyTypeProvider<T extends FastifyTypeProvider> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  T
>;

/**
 * The routes only the sidecar calls, in an encapsulated plugin of `app` (its hooks and parsers
 * stay there): GET /dapr/config, GET /dapr/subscribe (`[]`: subscriptions are declarative
 * YAML), one POST per subscription, POST + OPTIONS per cron binding. `@dapr/dapr`'s DaprServer
 * cannot do this: it only runs its own Express server.
 */
export async function registerSidecarRoutes<T extends FastifyTypeProvider>(
  app: AnyTypeProvider<T>,
  options: SidecarRoutesOptions,
): Promise<void> {
  await app.register(async (scope) => {
    const plain = scope as unknown as FastifyInstance;
    acceptJsonAndCloudEvents(plain);
    if (options.appApiToken) plain.addHook('onRequest', requireAppToken(options.appApiToken));
    plain.get('/dapr/config', async () => ({}));
    plain.get('/dapr/subscribe', async () => []);
    const deadLetter = sidecarDeadLetter(options.dapr, options.topicNamespace ?? '');
    for (const subscription of options.subscriptions ?? []) {
      registerSubscription(plain, subscription, deadLetter, options.deliveryBodyLimit ?? 16 << 20);
    }
    for (const binding of options.bindings ?? []) registerCronBinding(plain, binding);
  });
}

/**
 * daprd sends `application/cloudevents+json` deliveries, `application/json` bulk deliveries
 * and cron triggers with an EMPTY `application/json` body. The host app may parse these already
 * (service-kit does); these routes do not depend on it.
 */
function acceptJsonAndCloudEvents(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  for (const type of ['application/json', 'application/cloudevents+json']) {
    if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    scope.addContentTypeParser(type, { parseAs: 'string' }, (request, body, done) => {
      if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
      parseJson(request, body as string, (error, value) => {
        if (error) (error as FastifyError).statusCode = 400;
        done(error, value);
      });
    });
  }
}
