import { describe, expect, it } from 'vitest';
import {
  CreateTaskBody,
  freshTask,
  ListTasksQuery,
  PatchTaskBody,
  Task,
  TaskPathParams,
} from './tasks.ts';
import { ErrorBody } from './errors.ts';

describe('CreateTaskBody', () => {
  it('trims the title and normalises the due date to UTC', () => {
    expect(
      CreateTaskBody.parse({ title: '  Buy milk ', due_date: '2026-02-15T10:00:00+01:00' }),
    ).toEqual({ title: 'Buy milk', due_date: '2026-02-15T09:00:00.000Z' });
  });

  it.each([
    ['an empty title', { title: '   ' }],
    ['a title over 500 characters', { title: 'x'.repeat(501) }],
    ['a description over 10,000 characters', { title: 't', description: 'x'.repeat(10_001) }],
    ['a due date without an offset', { title: 't', due_date: '2026-02-15T09:00:00' }],
    ['a due date that is no date', { title: 't', due_date: 'tomorrow' }],
    ['an unknown field', { title: 't', owner: 'someone-else' }],
    ['a title of the wrong type', { title: 42 }],
  ])('rejects %s', (_name, body) => {
    expect(CreateTaskBody.safeParse(body).success).toBe(false);
  });

  it('accepts the longest title and description', () => {
    expect(
      CreateTaskBody.safeParse({ title: 'x'.repeat(500), description: 'y'.repeat(10_000) }).success,
    ).toBe(true);
  });

  it.each([
    ['a NUL in the title', { title: 'a\u0000b' }],
    ['a NUL in the description', { title: 't', description: '\u0000' }],
  ])('refuses text Postgres cannot store: %s', (_name, body) => {
    expect(CreateTaskBody.safeParse(body).success).toBe(false);
  });

  it('makes lone surrogates U+FFFD, as UTF-8 writes them, and counts each as one character', () => {
    const body = CreateTaskBody.parse({ title: 'a\ud800', description: '\udc00'.repeat(10_000) });
    expect(body.title).toBe('a\ufffd');
    expect(body.description).toBe('\ufffd'.repeat(10_000));
  });

  it('accepts any well-formed Unicode, emoji (surrogate pairs) included', () => {
    const body = CreateTaskBody.parse({ title: 'Kaffee ☕ 😀 \t', description: 'ü\n😀' });
    expect(body.title).toBe('Kaffee ☕ 😀');
  });
});

describe('PatchTaskBody', () => {
  it('rejects an empty change', () => {
    expect(PatchTaskBody.safeParse({}).success).toBe(false);
  });
  it('allows clearing the due date', () => {
    expect(PatchTaskBody.parse({ due_date: null })).toEqual({ due_date: null });
  });
});

describe('ListTasksQuery', () => {
  it('reads booleans and numbers from query strings', () => {
    expect(ListTasksQuery.parse({ completed: 'false', limit: '10' })).toEqual({
      completed: false,
      limit: 10,
    });
  });
  it.each([{ completed: 'yes' }, { limit: '0' }, { limit: '201' }, { due_before: 'soon' }])(
    'rejects %o',
    (query) => {
      expect(ListTasksQuery.safeParse(query).success).toBe(false);
    },
  );
});

describe('TaskPathParams', () => {
  it('rejects ids that are not uuids and users with unsafe characters', () => {
    expect(TaskPathParams.safeParse({ user_id: 'u1', id: '123' }).success).toBe(false);
    expect(
      TaskPathParams.safeParse({ user_id: 'a b', id: '4b2b0a8e-58c5-4a5e-9d7e-0f3c1c0f9a11' })
        .success,
    ).toBe(false);
  });
});

describe('ErrorBody', () => {
  it('requires a known code and a request id', () => {
    expect(
      ErrorBody.safeParse({ error: { code: 'not_found', message: 'x', request_id: 'r1' } }).success,
    ).toBe(true);
    expect(
      ErrorBody.safeParse({ error: { code: 'oops', message: 'x', request_id: 'r' } }).success,
    ).toBe(false);
    expect(ErrorBody.safeParse({ error: { code: 'not_found', message: 'x' } }).success).toBe(false);
  });
});

describe('freshTask', () => {
  it('is a valid task: version 1, open, one-off, created and updated at the given instant', () => {
    const at = '2026-11-28T20:00:00.000Z';
    const task = freshTask(
      { id: '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01', user_id: 'alice', title: 'Buy milk' },
      at,
    );
    expect(Task.parse(task)).toEqual(task);
    expect(task).toMatchObject({
      version: 1,
      completed: false,
      is_recurring: false,
      series_id: null,
      due_date: null,
      created_at: at,
      updated_at: at,
    });
  });
});
