import type { Broker } from '@taskflow/testkit';
import type { SoakOptions } from './soak.ts';

/**
 * The soak's knobs (docs/operations.md, "Chaos soak"), from CHAOS_* variables. A bad value
 * stops the soak before it starts, naming the variable.
 */
export function soakOptions(env: NodeJS.ProcessEnv, log: (line: string) => void): SoakOptions {
  const whole = (name: string, min: number, max: number, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    }
    return value;
  };
  const broker = env.CHAOS_BROKER ?? 'redis';
  if (broker !== 'redis' && broker !== 'kafka') {
    throw new Error(`CHAOS_BROKER must be redis or kafka, not "${broker}"`);
  }
  return {
    broker: broker satisfies Broker,
    seconds: whole('CHAOS_SECONDS', 10, 24 * 3600, 120),
    users: whole('CHAOS_USERS', 1, 1_000, 20),
    socketsPerUser: whole('CHAOS_SOCKETS_PER_USER', 1, 100, 10),
    opsPerSecond: whole('CHAOS_OPS_PER_SECOND', 1, 1_000, 10),
    faultEverySeconds: whole('CHAOS_FAULT_EVERY_SECONDS', 1, 3_600, 5),
    // Fixed, so a failing run can be repeated; change it to explore other orders of faults.
    seed: whole('CHAOS_SEED', 0, 2 ** 32 - 1, 20261203),
    log,
  };
}
