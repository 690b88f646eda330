import { describe, expect, it } from 'vitest';
import { messageOf } from './log-census.ts';

describe('messageOf', () => {
  it("takes daprd's logfmt level and message, digits masked, escapes undone", () => {
    const line =
      'time="2026-12-03T12:40:01.123Z" level=error msg="redis streams: error reading from stream ' +
      'tasks.events: dial tcp 127.0.0.1:40123: connect: connection refused \\"x\\"" ' +
      'app_id=ws-notifier instance=host scope=dapr.contrib type=log ver=1.16.5';
    expect(messageOf(line)).toBe(
      'error: redis streams: error reading from stream tasks.events: dial tcp #.#.#.#:#: ' +
        'connect: connection refused "x"',
    );
  });

  it("takes a pino line's level name and msg", () => {
    const line = JSON.stringify({ level: 40, time: 1, msg: 'outbox relay: broker unreachable' });
    expect(messageOf(line)).toBe('warn: outbox relay: broker unreachable');
  });

  it('takes any other line whole, trimmed and masked', () => {
    expect(messageOf('  listening on port 8000 ')).toBe('listening on port #');
    expect(messageOf('{not json')).toBe('{not json');
  });
});
