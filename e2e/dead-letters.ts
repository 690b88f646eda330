import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Fleet } from '@taskflow/testkit';

const run = promisify(execFile);

/** How many messages a topic holds on the fleet's broker (the stream length, or the offsets). */
export async function deadLetterCount(fleet: Fleet, topic: string): Promise<number> {
  if (fleet.broker === 'redis') {
    const { stdout } = await run('redis-cli', ['-p', String(fleet.redisPort), 'xlen', topic]);
    return Number(stdout.trim());
  }
  const cache = process.env.TASKFLOW_CACHE ?? join(homedir(), '.cache', 'taskflow');
  const version = readdirSync(join(cache, 'kafka')).find((name) => /^\d+\.\d+\.\d+$/.test(name));
  if (!version) throw new Error('no Kafka in the cache: run scripts/provision/kafka.sh');
  const { stdout } = await run(
    'java',
    [
      '-cp',
      join(cache, 'kafka', version, 'libs', '*'),
      'org.apache.kafka.tools.GetOffsetShell',
      '--bootstrap-server',
      process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      '--topic',
      topic,
    ],
    { timeout: 60_000 },
  ).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .filter(Boolean)
    .reduce((sum, line) => sum + Number(line.split(':')[2] ?? 0), 0);
}
