import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.ts';
import {
  argsMismatch,
  readResumeState,
  writeResumeState,
  type ResumeState,
} from './resume-file.ts';

const state: ResumeState = {
  version: 1,
  args: { since: '1h', user: 'alice', topic: null },
  from_seq: 10,
  to_seq: 500,
  occurred_from: '2026-11-28T20:00:00.000Z',
  last_seq: 120,
  last_event_id: '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01',
  done: 40,
  finished: false,
  updated_at: '2026-11-28T21:00:00.000Z',
};

describe('resume file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-resume-'));

  it('round-trips, leaving no temporary file behind', () => {
    const path = join(dir, 'state.json');
    expect(readResumeState(path)).toBeUndefined();
    writeResumeState(path, state);
    expect(readResumeState(path)).toEqual(state);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('refuses a file that is not one of ours', () => {
    const path = join(dir, 'other.json');
    writeFileSync(path, '{"hello": 1}');
    expect(() => readResumeState(path)).toThrow(UsageError);
    writeFileSync(path, 'not json');
    expect(() => readResumeState(path)).toThrow('is not JSON');
  });

  it('continues only the same job', () => {
    expect(argsMismatch(state, { since: '1h', user: 'alice', topic: null })).toBeUndefined();
    expect(argsMismatch(state, { since: '2h', user: null, topic: null })).toBe(
      'the resume file belongs to a run with --since 1h --user alice; repeat those arguments ' +
        'to continue it, or give another --resume-file to start a new run',
    );
  });
});
