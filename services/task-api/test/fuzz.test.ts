import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorBody } from '@taskflow/contracts';
import { startApi } from './api.ts';

const api = await startApi();
const owner = await api.newUser();
const existing = (
  await api.call('POST', `/api/${owner.id}/tasks`, {
    token: owner.token,
    body: { title: 'target' },
  })
).json().id as string;

const routes = [
  ['POST', '/api/{user}/tasks'],
  ['GET', '/api/{user}/tasks'],
  ['GET', '/api/{user}/tasks/{id}'],
  // Before the task's own DELETE: while the task exists, reminder input reaches the handlers.
  ['POST', '/api/{user}/tasks/{id}/reminders'],
  ['GET', '/api/{user}/tasks/{id}/reminders'],
  ['GET', '/api/{user}/tasks/{id}/reminders/{reminder}'],
  ['DELETE', '/api/{user}/tasks/{id}/reminders/{reminder}'],
  ['GET', '/api/{user}/reminders/pending'],
  ['PUT', '/api/{user}/tasks/{id}'],
  ['PATCH', '/api/{user}/tasks/{id}'],
  ['DELETE', '/api/{user}/tasks/{id}'],
  ['PATCH', '/api/{user}/tasks/{id}/complete'],
  ['PUT', '/api/{user}/tasks/{id}/due-date'],
  ['POST', '/api/{user}/tasks/{id}/recurrence'],
  ['DELETE', '/api/{user}/tasks/{id}/recurrence'],
  ['GET', '/api/{user}/tasks/recurring'],
] as const;

// User text: printable, any code point, and what JSON can carry but Postgres cannot store.
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom('a\u0000b', 'x\ud800', '\udc00y'),
  );
const segment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('..', '%00', '%ZZ', 'null', '-1', '9'.repeat(30), ' '),
);
const userSegment = fc.oneof(fc.constant(owner.id), segment);
const idSegment = fc.oneof(fc.constant(existing), fc.uuid(), segment);
const query = fc.dictionary(
  fc.constantFrom(
    'limit',
    'cursor',
    'completed',
    'recurring',
    'due_before',
    'due_after',
    'status',
    'x',
  ),
  fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.integer().map(String),
    fc.constantFrom('true', 'false', '2030-01-01T00:00:00Z'),
  ),
);
// Recurrence input: plausible rules and zones mixed with junk, so the library is reached too.
const recurrenceFields = {
  rule: fc.oneof(
    fc.constantFrom(
      'FREQ=DAILY',
      'FREQ=WEEKLY;BYDAY=MO,WE',
      'FREQ=SECONDLY',
      'FREQ=MINUTELY',
      'FREQ=DAILY;COUNT=0',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=DAILY;UNTIL=19990101',
    ),
    text(300),
    fc.integer(),
  ),
  time_zone: fc.oneof(
    fc.constantFrom('Europe/Berlin', 'UTC', 'Mars/Base', 'America/New_York'),
    text(40),
  ),
  start: fc.oneof(
    fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
    fc.string(),
  ),
  mode: fc.oneof(fc.constantFrom('schedule', 'completion'), fc.string()),
};
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      title: fc.oneof(text(600), fc.integer(), fc.constant(null)),
      description: fc.oneof(text(100), fc.constant(null), fc.boolean()),
      due_date: fc.oneof(
        fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
        fc.string(),
        fc.constant(null),
      ),
      completed: fc.oneof(fc.boolean(), fc.string()),
      remind_at: fc.oneof(
        fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
        fc.string(),
      ),
      minutes_before: fc.oneof(fc.integer(), fc.double(), fc.string()),
      ...recurrenceFields,
      recurrence: fc.oneof(fc.record(recurrenceFields, { requiredKeys: [] }), fc.string()),
    },
    { requiredKeys: [] },
  ),
  fc.string({ maxLength: 200 }),
);
const headers = fc.record(
  {
    authorization: fc.oneof(
      fc.constant(`Bearer ${owner.token}`),
      fc.string({ maxLength: 60 }),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
    ),
    'if-match': fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.nat().map((n) => `"${n}"`),
      fc.constant('*'),
    ),
    'idempotency-key': fc.string({ maxLength: 300 }),
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/cloudevents+json',
      'multipart/form-data',
      '',
    ),
    'x-correlation-id': fc.string({ maxLength: 200 }),
  },
  { requiredKeys: [] },
);
// Only printable header values can travel over HTTP at all.
const printable = (value: string) => value.replace(/[^\x20-\x7e]/g, '');

describe('task-api under random input', () => {
  it.each(routes)(
    '%s %s never answers 5xx and always uses the error body',
    async (method, template) => {
      await fc.assert(
        fc.asyncProperty(
          userSegment,
          idSegment,
          query,
          body,
          headers,
          async (user, id, q, payload, h) => {
            const search = new URLSearchParams(q).toString();
            const url =
              template.replace('{user}', user).replace('{id}', id).replace('{reminder}', id) +
              (search ? `?${search}` : '');
            const sent: Record<string, string> = {};
            for (const [name, value] of Object.entries(h)) sent[name] = printable(value);
            const response = await api.app.inject({
              method,
              url,
              headers: sent,
              ...(payload === undefined
                ? {}
                : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
            });
            expect(response.statusCode, `${method} ${url} -> ${response.body}`).toBeLessThan(500);
            if (response.statusCode >= 400) ErrorBody.parse(response.json());
          },
        ),
        { numRuns: 400 },
      );
    },
  );
});
