import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommunicationProtocolEnum,
  DaprClient as SdkClient,
  DaprServer as SdkServer,
  type LoggerService,
} from '@dapr/dapr';
import { freePort, startDaprd, type Daprd } from '@taskflow/testkit';
import { createDaprClient, SidecarUnavailableError, type DaprClient } from '../src/index.ts';
import { resourcesDir, runId, startRedis, type PrivateRedis } from './harness.ts';

// Why packages/dapr calls the sidecar's HTTP API itself instead of @dapr/dapr (the project's
// chosen SDK): each test runs the SDK and our client against the same real daprd and shows the
// SDK's behaviour that would lose or hang work. If one of these starts failing after an SDK
// upgrade, the SDK got fixed there: reconsider using it for that call (packages/dapr/README.md).
const SDK_VERSION = '3.18.0';

const silent: LoggerService = {
  error: () => {},
  warn: () => {},
  info: () => {},
  verbose: () => {},
  debug: () => {},
};

/** How a promise stands `ms` after now: still 'pending', or the value it settled with. */
async function outcomeAfter(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ settled: value })), pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** The SDK's publish resolves `{ error }` instead of rejecting; a reset socket says so. */
function isResetSocket(outcome: unknown): boolean {
  const error = (outcome as { settled?: { error?: unknown } } | undefined)?.settled?.error;
  return /ECONNRESET|socket hang up|EPIPE/.test(
    String((error as { code?: string })?.code ?? error),
  );
}

const run = runId();
let redis: PrivateRedis;
let daprd: Daprd;
let ours: DaprClient;
let sdk: SdkClient;
let resources: { path: string; remove(): void };

beforeAll(async () => {
  const { version } = (await import('@dapr/dapr/package.json', { with: { type: 'json' } })).default;
  expect(version, 'these findings are about one SDK version; re-check them on upgrade').toBe(
    SDK_VERSION,
  );
  redis = await startRedis(['--proto-max-bulk-len', '1mb']);
  resources = resourcesDir({
    'c.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: ps }
spec:
  type: pubsub.redis
  version: v1
  metadata: [{ name: redisHost, value: "${redis.host}" }]
scopes: [sdk-test]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: st }
spec:
  type: state.redis
  version: v1
  metadata: [{ name: redisHost, value: "${redis.host}" }]
scopes: [sdk-test]
`,
  });
  daprd = await startDaprd({ appId: 'sdk-test', resourcesPaths: [resources.path] });
  ours = createDaprClient({ httpPort: daprd.httpPort, timeoutMs: 500 });
  sdk = new SdkClient({
    daprHost: '127.0.0.1',
    daprPort: String(daprd.httpPort),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    logger: { service: silent },
  });
}, 30_000);

afterAll(async () => {
  await daprd?.stop();
  await redis?.stop();
  resources?.remove();
});

describe(`@dapr/dapr ${SDK_VERSION} against daprd 1.18`, () => {
  it('reports a bulk publish whose entry the broker refused as fully successful (#703)', async () => {
    const oversize = 'x'.repeat(1_100_000); // > proto-max-bulk-len of this Redis
    const sdkResult = await sdk.pubsub.publishBulk('ps', `${run}.bulk`, [
      { entryID: 'ok', event: { n: 1 }, contentType: 'application/json' },
      { entryID: 'too-big', event: { note: oversize }, contentType: 'application/json' },
    ]);
    expect(sdkResult.failedMessages).toEqual([]); // the failure is lost
    const ourResult = await ours.publishBulk('ps', `${run}.bulk`, [
      { entryId: 'ok', event: { n: 1 } },
      { entryId: 'too-big', event: { note: oversize } },
    ]);
    expect(ourResult.failedEntryIds).toEqual(['too-big']);
  });

  it('returns state without its etag (#540)', async () => {
    await ours.saveState('st', [{ key: `${run}-k`, value: { v: 1 } }]);
    expect(await sdk.state.get('st', `${run}-k`)).toEqual({ v: 1 }); // no etag anywhere
    expect(await ours.getState('st', `${run}-k`)).toEqual({ value: { v: 1 }, etag: '1' });
  });

  it('has no timeout: a hung sidecar hangs the call', async () => {
    await sdk.pubsub.publish('ps', `${run}.t`, { warm: true }); // past the SDK's lazy start-up wait
    await daprd.hang();
    let sdkPublish: Promise<unknown> | undefined;
    try {
      sdkPublish = sdk.pubsub.publish('ps', `${run}.t`, { n: 1 });
      await expect(ours.publish('ps', `${run}.t`, { n: 1 })).rejects.toBeInstanceOf(
        SidecarUnavailableError,
      );
      let outcome = await outcomeAfter(sdkPublish, 1_000);
      if (isResetSocket(outcome)) {
        // The SDK reused a pooled connection that daprd closed just before it stopped: that
        // says nothing about timeouts. A second call gets a fresh connection.
        sdkPublish = sdk.pubsub.publish('ps', `${run}.t`, { n: 1 });
        outcome = await outcomeAfter(sdkPublish, 1_000);
      }
      expect(outcome, 'the SDK call is still waiting, with no way to bound it').toBe('pending');
    } finally {
      daprd.kill('SIGCONT');
    }
    expect(await sdkPublish).toEqual({}); // it completes only once the sidecar does
  });

  it('acknowledges a subscriber that throws as SUCCESS (#720), and serves only Express', async () => {
    const port = await freePort();
    const server = new SdkServer({
      serverHost: '127.0.0.1',
      serverPort: String(port),
      clientOptions: { daprHost: '127.0.0.1', daprPort: String(daprd.httpPort) },
      logger: { service: silent },
    });
    await server.pubsub.subscribe('ps', `${run}.throws`, async () => {
      throw new Error('handler failed');
    });
    await server.start();
    try {
      const routes = (await (
        await fetch(`http://127.0.0.1:${port}/dapr/subscribe`)
      ).json()) as Array<{
        route?: string;
        routes?: { default?: string };
      }>;
      const route = routes[0]?.routes?.default ?? routes[0]?.route;
      expect(route).toBeDefined();
      // The delivery daprd would make:
      const answer = await fetch(
        `http://127.0.0.1:${port}${route!.startsWith('/') ? '' : '/'}${route}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/cloudevents+json' },
          body: JSON.stringify({
            id: '1',
            specversion: '1.0',
            topic: `${run}.throws`,
            data: { n: 1 },
          }),
        },
      );
      expect(await answer.json()).toEqual({ status: 'SUCCESS' }); // the message is gone
    } finally {
      await server.stop();
    }
  });
});
