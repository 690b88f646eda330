import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript source under this condition, so tests run the
// code as written, with no build step in between. Vite resolves per environment: set it for both.
const conditions = ['@taskflow/source', 'node', 'import', 'default'];
// Vitest also hands the SSR conditions to Node as --conditions, where `import` would make a
// CommonJS `require('ws')` load ws's ESM wrapper (no `.Server`). Node adds import/require itself.
const nodeConditions = ['@taskflow/source', 'node'];
const sourceFirst = {
  resolve: { conditions },
  ssr: { resolve: { conditions: nodeConditions, externalConditions: nodeConditions } },
};

/** The end-to-end files that also run without Dapr: the seed's testing checklist, and replay. */
const STANDALONE_FILES = [
  'e2e/delivery.test.ts',
  'e2e/recurrence.test.ts',
  'e2e/reminders.test.ts',
  'e2e/isolation.test.ts',
  'e2e/reconnect.test.ts',
  'e2e/replay.test.ts',
  'e2e/notifications.test.ts',
];

/**
 * End-to-end files about what happens after the broker (the notifier's SMTP deliveries): on the
 * two brokers the issue names, Redis Streams and Kafka, and on the one process.
 */
const REDIS_AND_KAFKA = ['e2e/notifications.test.ts'];

/**
 * End-to-end files whose subject is the database's claims, not the broker (the events they
 * cause travel like any other): on Redis Streams only.
 */
const BROKER_INDEPENDENT = ['e2e/reminders-recovery.test.ts', 'e2e/recurrence-crash.test.ts'];

/** Each Dapr suite's state store: Redis beside Redis Streams; beside Kafka, the database. */
const STATE_STORE = {
  redis: 'redis',
  kafka: 'postgres',
  rabbitmq: 'redis',
  jetstream: 'redis',
} as const;

export default defineConfig({
  ...sourceFirst,
  test: {
    reporters: ['default', './scripts/vitest-summary.ts'],
    projects: [
      {
        ...sourceFirst,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
        },
      },
      {
        ...sourceFirst,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      // The end-to-end suite, unchanged, on each broker: only the component folders differ.
      // Each broker's suite runs its files one at a time: it kills its broker on purpose.
      // `pnpm test` runs the projects in two lanes side by side (scripts/test-lanes.ts), cut so
      // that no two broker suites that share a broker overlap.
      ...(['redis', 'kafka', 'rabbitmq', 'jetstream'] as const).map((broker, index) => ({
        ...sourceFirst,
        test: {
          name: `e2e-${broker}`,
          sequence: { groupOrder: index + 1 },
          include: ['e2e/**/*.test.ts'],
          exclude: [
            ...configDefaults.exclude,
            'e2e/browser/**',
            'e2e/chaos/**',
            'e2e/standalone/**',
            ...(broker === 'redis' ? [] : BROKER_INDEPENDENT),
            ...(broker === 'redis' || broker === 'kafka' ? [] : REDIS_AND_KAFKA),
          ],
          env: { TASKFLOW_BROKER: broker, TASKFLOW_STATE_STORE: STATE_STORE[broker] },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 150_000,
        },
      })),
      // The seed's checklist without Dapr (services/standalone, USE_DAPR=false): the same
      // end-to-end files, on the in-process bus (with the zero-setup first run from a clean
      // clone, and the process killed mid-delivery), then on direct Kafka (with the broker
      // killed, a Dapr fleet beside it, and dead letters).
      ...(
        [
          ['in-process', ['e2e/standalone/zero-setup.test.ts', 'e2e/standalone/crash.test.ts']],
          [
            'kafka',
            [
              'e2e/broker-outage.test.ts',
              'e2e/standalone/interop.test.ts',
              // Poison to the dead-letter topic, and exactly three topics on the broker after.
              'e2e/dead-letter.test.ts',
            ],
          ],
        ] as const
      ).map(([broker, more], index) => ({
        ...sourceFirst,
        test: {
          name: broker === 'kafka' ? 'e2e-standalone-kafka' : 'e2e-standalone',
          sequence: { groupOrder: 10 + index },
          include: [...STANDALONE_FILES, ...more],
          env: { TASKFLOW_MODE: 'standalone', TASKFLOW_BROKER: broker },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 150_000,
        },
      })),
      // The web page in headless Chromium (scripts/provision/chromium.sh), after the end-to-end
      // suites: the page does not depend on the broker, so Redis Streams only.
      {
        ...sourceFirst,
        test: {
          name: 'browser',
          sequence: { groupOrder: 20 },
          include: ['e2e/browser/**/*.test.ts'],
          env: { TASKFLOW_BROKER: 'redis' },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 150_000,
        },
      },
      // The chaos soak (docs/operations.md), last and alone: it runs a fleet of eight replicas
      // and sixteen processes it kills on purpose, for CHAOS_SECONDS (120) plus the settling.
      {
        ...sourceFirst,
        test: {
          name: 'chaos',
          sequence: { groupOrder: 30 },
          include: ['e2e/chaos/**/*.test.ts'],
          env: { CHAOS_BROKER: 'redis' },
          fileParallelism: false,
          testTimeout: 15 * 60_000,
        },
      },
    ],
  },
});
