import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { isDatabaseUnavailable } from '../src/availability.ts';
import { connect } from '../src/client.ts';

// Postgres drops connections: a failover, an operator's pg_terminate_backend, a proxy's timeout.
// Unpatched, postgres.js 3.4.9 then threw from a deferred write (an uncaught TypeError that ends
// the process) and could leave the pool slot unable to connect again; patches/ fixes both. These
// tests fail on the unpatched driver: vitest reports the uncaught error, and the pool stalls.
const server = process.env.TEST_DATABASE_URL;
if (!server) {
  throw new Error(
    'TEST_DATABASE_URL is not set: `bash scripts/provision/postgres.sh` starts a server and prints it',
  );
}
const admin = postgres(server, { max: 1, onnotice: () => {} });
const database = connect(server, { max: 1, applicationName: 'taskflow-connection-loss' });
afterAll(async () => {
  await database.close();
  await admin.end();
});

const backendPid = async (tx: Parameters<Parameters<typeof database.transaction>[0]>[0]) => {
  const [row] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
  return row!.pid;
};
const kill = (pid: number) => admin`select pg_terminate_backend(${pid})`;
/** The pool's next query, bounded: a stalled pool fails the test instead of hanging it. */
const answers = () =>
  Promise.race([
    database.db.execute<{ one: number }>(sql`select 1 as one`).then(([row]) => row!.one),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the pool stalled')), 5_000)),
  ]);
/** `work` must fail, and with a lost connection (the classifier task-api's 503 relies on). */
const lost = async (work: Promise<unknown>) => {
  const failure: unknown = await work.then(
    () => new Error('it succeeded'),
    (error: unknown) => error,
  );
  expect(isDatabaseUnavailable(failure), String(failure)).toBe(true);
};

describe('a connection lost in the middle of a transaction', () => {
  it('rejects the transaction, and the pool serves the next query, every time', async () => {
    // The crash was a race between the rollback and the socket's close: repeat to meet it.
    for (let round = 0; round < 40; round++) {
      await lost(
        database.transaction(async (tx) => {
          await kill(await backendPid(tx));
          await tx.execute(sql`select 1`);
        }),
      );
      expect(await answers()).toBe(1);
    }
  });

  it('rejects a statement that was running when the backend died', async () => {
    await lost(
      database.transaction(async (tx) => {
        const pid = await backendPid(tx);
        await Promise.all([tx.execute(sql`select pg_sleep(30)`), kill(pid)]);
      }),
    );
    expect(await answers()).toBe(1);
  });

  it('reconnects after an idle pooled connection is killed', async () => {
    const [row] = await database.db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    await kill(row!.pid);
    // Queries handed to the dead socket before it closes fail with a connection error; then the
    // pool connects again and every query succeeds.
    let failures = 0;
    for (;;) {
      const outcome = await answers().catch((error: unknown) => error);
      if (outcome === 1) break;
      expect(isDatabaseUnavailable(outcome), String(outcome)).toBe(true);
      expect(++failures).toBeLessThan(5);
    }
    for (let i = 0; i < 5; i++) expect(await answers()).toBe(1);
  });
});
