import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.ts';
import { UsageError } from './errors.ts';

const EVENT_ID = '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01';

describe('parseCommand', () => {
  it('verify: defaults, and one user', () => {
    expect(parseCommand(['verify'])).toEqual({
      command: 'verify',
      userId: undefined,
      batchSize: 5000,
      json: false,
    });
    expect(parseCommand(['verify', '--user', 'alice', '--batch-size', '100', '--json'])).toEqual({
      command: 'verify',
      userId: 'alice',
      batchSize: 100,
      json: true,
    });
  });

  it('republish: --since as an instant, a duration ago or an event id', () => {
    const at = parseCommand(['republish', '--since', '2026-11-28T20:00:00+01:00']);
    expect(at).toMatchObject({
      command: 'republish',
      since: { kind: 'time', at: new Date('2026-11-28T19:00:00Z') },
      rate: 500,
      batchSize: 500,
      dryRun: false,
    });
    expect(parseCommand(['republish', '--since', '90m'])).toMatchObject({
      since: { kind: 'ago', ms: 90 * 60_000 },
    });
    expect(parseCommand(['republish', '--since', EVENT_ID.toUpperCase()])).toMatchObject({
      since: { kind: 'event', eventId: EVENT_ID },
    });
  });

  it('republish: every option', () => {
    const command = parseCommand([
      'republish',
      '--since=1h',
      '--user=alice',
      '--topic=reminders.events',
      '--rate=25.5',
      '--batch-size=10',
      '--resume-file=/tmp/r.json',
      '--dry-run',
    ]);
    expect(command).toMatchObject({
      userId: 'alice',
      topic: 'reminders.events',
      rate: 25.5,
      batchSize: 10,
      resumeFile: '/tmp/r.json',
      dryRun: true,
    });
  });

  it.each([
    [['nope'], 'unknown command "nope": use verify or republish'],
    [['verify', '--usr', 'x'], "Unknown option '--usr'"],
    [['verify', 'extra'], 'Unexpected argument'],
    [['verify', '--batch-size', '0'], '--batch-size must be a whole number from 1 to 50000'],
    [['verify', '--user', 'a b'], '--user must be 1-128 URL-safe characters'],
    [['republish'], '--since is required'],
    [['republish', '--since', 'yesterday'], '--since must be an instant with its offset'],
    [['republish', '--since', '2026-11-28T20:00:00'], '--since must be an instant with its offset'],
    [['republish', '--since', '2999-01-01T00:00:00Z'], 'is in the future'],
    [['republish', '--since', '1h', '--rate', '0'], '--rate must be a number of events per second'],
    [
      ['republish', '--since', '1h', '--rate', 'fast'],
      '--rate must be a number of events per second',
    ],
    [
      ['republish', '--since', '1h', '--topic', 'tasks'],
      '--topic must be tasks.events or reminders.events',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });

  it('names every problem at once', () => {
    expect(() => parseCommand(['republish', '--since', 'x', '--rate', '0'])).toThrow(
      /--since .*\n--rate /,
    );
  });
});
