import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLEET_DAPR_API_TOKEN, kafkaBrokers, type Fleet } from '@taskflow/testkit';

const repo = fileURLToPath(new URL('../', import.meta.url));

/**
 * `pnpm replay ...` as an operator runs it, with the services' environment: task-api's sidecar
 * as its Dapr, or, without Dapr, USE_DAPR=false and the fleet's Kafka (none on the in-process
 * bus).
 */
export function runReplay(fleet: Fleet, args: string[]) {
  const broker =
    fleet.mode === 'dapr'
      ? {
          DAPR_HTTP_PORT: String(fleet.replicas['task-api'][0]!.daprd.httpPort),
          DAPR_API_TOKEN: FLEET_DAPR_API_TOKEN,
        }
      : {
          USE_DAPR: 'false',
          ...(fleet.broker === 'kafka' ? { KAFKA_BOOTSTRAP_SERVERS: kafkaBrokers() } : {}),
        };
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@taskflow/source', join(repo, 'packages/replay/src/cli.ts'), ...args],
      {
        cwd: repo,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: fleet.database.url,
          TOPIC_NAMESPACE: fleet.topicNamespace,
          ...broker,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A counter on one replica's /metrics, summed over the label sets that contain `labels`. */
export async function counter(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
