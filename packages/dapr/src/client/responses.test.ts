import { describe, expect, it } from 'vitest';
import { DaprError, EtagMismatchError } from '../errors.ts';
import { parseFailedEntries } from './publish.ts';
import { failureOf, parseErrorBody, type SidecarResponse } from './sidecar-http.ts';
import { stateFailure } from './state.ts';

// Response bodies exactly as daprd 1.16.5 sent them (captured against Redis and PostgreSQL v2).
const respond = (status: number, text: string): SidecarResponse => ({
  status,
  text,
  headers: {},
});

describe('parseFailedEntries (bulk publish)', () => {
  it('reads daprd failedEntries, whose ids the SDK misreads (js-sdk #703)', () => {
    const body =
      '{"failedEntries":[{"entryId":"b","error":"redis streams: error from publish: ERR Protocol error: invalid bulk length"}],"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"}';
    expect(parseFailedEntries(body)).toEqual([
      {
        entryId: 'b',
        error: 'redis streams: error from publish: ERR Protocol error: invalid bulk length',
      },
    ]);
  });

  it('finds nothing in other errors', () => {
    expect(
      parseFailedEntries(
        '{"errorCode":"ERR_PUBSUB_NOT_FOUND","message":"pubsub nope is not found"}',
      ),
    ).toEqual([]);
    expect(parseFailedEntries('not json')).toEqual([]);
    expect(parseFailedEntries('{"failedEntries":[{"error":"no id"}]}')).toEqual([]);
  });
});

describe('failureOf', () => {
  it("carries daprd's status, code and message", () => {
    const error = failureOf(
      'publish nope/t',
      respond(404, '{"errorCode":"ERR_PUBSUB_NOT_FOUND","message":"pubsub nope is not found"}'),
    );
    expect(error).toBeInstanceOf(DaprError);
    expect(error).toMatchObject({
      status: 404,
      errorCode: 'ERR_PUBSUB_NOT_FOUND',
      message: 'publish nope/t failed: HTTP 404 ERR_PUBSUB_NOT_FOUND: pubsub nope is not found',
    });
    expect(parseErrorBody('plain text\n')).toEqual({ message: 'plain text' });
    expect(failureOf('x', respond(500, '')).message).toBe('x failed: HTTP 500: (empty body)');
  });
});

describe('stateFailure', () => {
  const conflict = (status: number, text: string) =>
    stateFailure('save state s/k', respond(status, text));

  it('maps lost concurrency checks to EtagMismatchError', () => {
    expect(
      conflict(
        409,
        '{"errorCode":"ERR_STATE_SAVE","message":"failed saving state in state store st: possible etag mismatch. error from state store: ERR user_script:14: failed to set key exp||k1 script: d908, on @user_script:14."}',
      ),
    ).toBeInstanceOf(EtagMismatchError);
    // Redis, first-write on an existing key:
    expect(
      conflict(
        500,
        '{"errorCode":"ERR_STATE_SAVE","message":"failed saving state in state store st: failed to set key exp||f1: ERR user_script:14: failed to set key exp||f1 script: d908, on @user_script:14."}',
      ),
    ).toBeInstanceOf(EtagMismatchError);
    // Redis, stale etag inside a transaction:
    expect(
      conflict(
        500,
        '{"errorCode":"ERR_STATE_TRANSACTION","message":"error while executing state transaction: ERR user_script:6: failed to delete exp||f1 script: 2446, on @user_script:6."}',
      ),
    ).toBeInstanceOf(EtagMismatchError);
    // PostgreSQL v2, first-write on an existing key:
    expect(
      conflict(
        500,
        '{"errorCode":"ERR_STATE_SAVE","message":"failed saving state in state store taskflow-state: no item was updated"}',
      ),
    ).toBeInstanceOf(EtagMismatchError);
  });

  it('leaves every other failure a plain DaprError', () => {
    const invalid = conflict(
      400,
      '{"errorCode":"ERR_STATE_SAVE","message":"failed saving state in state store st: invalid etag value: strconv.Atoi: parsing \\"abc\\": invalid syntax"}',
    );
    expect(invalid).not.toBeInstanceOf(EtagMismatchError);
    expect(invalid).toMatchObject({ status: 400, errorCode: 'ERR_STATE_SAVE' });
    expect(
      conflict(500, '{"errorCode":"ERR_STATE_SAVE","message":"dial tcp: connection refused"}'),
    ).not.toBeInstanceOf(EtagMismatchError);
  });
});
