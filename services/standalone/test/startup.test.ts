import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Starts the process with `env` only; resolves with how it ended and what it said. */
async function start(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=@taskflow/source', main],
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: 20_000,
      },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

const valid = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  AUTH_JWT_SECRET: 'a-secret-of-at-least-thirty-two-characters',
};

describe('the one process refuses a bad environment at startup, naming the variable', () => {
  it('USE_DAPR=true: this process runs without Dapr', async () => {
    const { code, output } = await start({ ...valid, USE_DAPR: 'true' });
    expect(code).toBe(1);
    expect(output).toMatch(/^taskflow: invalid environment\n {2}USE_DAPR: must be false/m);
  });

  it("a service's variable, with the service that reads it", async () => {
    const { code, output } = await start({ ...valid, SPAWN_BATCH_SIZE: 'many' });
    expect(code).toBe(1);
    expect(output).toMatch(/scheduler: invalid environment\n {2}SPAWN_BATCH_SIZE:/);
  });

  it('no identity source', async () => {
    const { code, output } = await start({ DATABASE_URL: valid.DATABASE_URL });
    expect(code).toBe(1);
    expect(output).toMatch(/AUTH_JWT_SECRET: set exactly one of AUTH_JWT_SECRET/);
  });

  it('a bad Kafka variable, before anything connects', async () => {
    const { code, output } = await start({
      ...valid,
      KAFKA_BOOTSTRAP_SERVERS: 'broker.example:9092',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/KAFKA_SASL_MECHANISM/);
    expect(output).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
  });

  it('an unreachable database, named', async () => {
    const { code, output } = await start(valid);
    expect(code).toBe(1);
    expect(output).toMatch(
      /^taskflow: cannot migrate the database of DATABASE_URL: .*ECONNREFUSED/m,
    );
  });
});
