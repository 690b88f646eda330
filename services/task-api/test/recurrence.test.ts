import { describe, expect, it } from 'vitest';
import { ErrorBody, RecurringTaskList, Task } from '@taskflow/contracts';
import { insertInstances, seriesInstances, userEvents } from '@taskflow/db';
import { startApi, type TestApi } from './api.ts';

const api: TestApi = await startApi();

// 2030-03-04 is a Monday; Berlin is on CET (UTC+1) until 2030-03-31, so 09:00 there is 08:00Z.
const MONDAY_9_BERLIN = '2030-03-04T08:00:00.000Z';
const WEDNESDAY_9_BERLIN = '2030-03-06T08:00:00.000Z';

async function newTask(body: Record<string, unknown> = { title: 'Water the plants' }) {
  const user = await api.newUser();
  const response = await api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body });
  expect(response.statusCode, response.body).toBe(201);
  const task = Task.parse(response.json());
  return { user, task, url: `/api/${user.id}/tasks/${task.id}` };
}

/** 400: the published schema refuses it; 422: well-formed, refused for what it means. */
function expectBadField(
  response: Awaited<ReturnType<TestApi['call']>>,
  path: string,
  why: RegExp,
  status: 400 | 422 = 400,
) {
  expect(response.statusCode, response.body).toBe(status);
  const { error } = ErrorBody.parse(response.json());
  expect(error.code).toBe(status === 400 ? 'validation_failed' : 'unprocessable');
  expect(error.details).toContainEqual({
    location: 'body',
    path,
    message: expect.stringMatching(why),
  });
}

describe('POST /api/:user_id/tasks/:id/recurrence', () => {
  it('makes the task a series from its due date and appends task.updated', async () => {
    const { user, task, url } = await newTask({ title: 'Standup', due_date: MONDAY_9_BERLIN });
    const response = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: { rule: 'RRULE:freq=weekly;byday=mo', time_zone: 'Europe/Berlin' },
      headers: { 'x-correlation-id': 'corr-recur' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const series = Task.parse(response.json());
    expect(series).toMatchObject({
      id: task.id,
      is_recurring: true,
      recurrence_rule: 'FREQ=WEEKLY;BYDAY=MO',
      time_zone: 'Europe/Berlin',
      recurrence_mode: 'schedule',
      series_start: MONDAY_9_BERLIN,
      next_occurrence: MONDAY_9_BERLIN,
      due_date: MONDAY_9_BERLIN,
      version: 2,
    });
    expect(response.headers.etag).toBe('"2"');
    const events = await userEvents(api.database.db, user.id);
    expect(events.map((e) => [e.event_type, e.aggregate_version])).toEqual([
      ['task.created', 1],
      ['task.updated', 2],
    ]);
    expect(events[1]).toMatchObject({ correlation_id: 'corr-recur', data: series });
  });

  it('takes an explicit start and mode; the first occurrence is the first at or after the start', async () => {
    const { user, url } = await newTask();
    const response = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: {
        rule: 'FREQ=WEEKLY;BYDAY=MO',
        time_zone: 'Europe/Berlin',
        start: '2030-03-06T09:00:00+01:00', // a Wednesday
        mode: 'completion',
      },
    });
    expect(response.json()).toMatchObject({
      recurrence_mode: 'completion',
      series_start: WEDNESDAY_9_BERLIN,
      next_occurrence: '2030-03-11T08:00:00.000Z',
    });
  });

  it('keeps 09:00 wall-clock time across the DST change', async () => {
    const { user, url } = await newTask();
    const response = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      // A Sunday-only rule starting on Saturday: the first occurrence is the DST day itself.
      body: {
        rule: 'FREQ=WEEKLY;BYDAY=SU',
        time_zone: 'Europe/Berlin',
        start: '2030-03-30T09:00:00+01:00',
      },
    });
    expect(response.json().next_occurrence).toBe('2030-03-31T07:00:00.000Z');
  });

  it('without start or due date, starts now (to the minute)', async () => {
    const { user, url } = await newTask();
    const before = Math.floor(Date.now() / 60_000) * 60_000;
    const response = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: { rule: 'FREQ=DAILY', time_zone: 'UTC' },
    });
    const start = Date.parse(response.json().series_start);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(Date.now());
    expect(response.json().next_occurrence).toBe(response.json().series_start);
  });

  it('the same series again is no change: no version, no event', async () => {
    const { user, url } = await newTask({ title: 't', due_date: MONDAY_9_BERLIN });
    const body = { rule: 'FREQ=WEEKLY;BYDAY=MO', time_zone: 'Europe/Berlin' };
    const first = await api.call('POST', `${url}/recurrence`, { token: user.token, body });
    const again = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: { ...body, rule: 'RRULE:FREQ=WEEKLY;BYDAY=MO;' },
    });
    expect(again.json()).toEqual(first.json());
    expect(await userEvents(api.database.db, user.id)).toHaveLength(2);
  });

  it('a new rule without start keeps the series start', async () => {
    const { user, url } = await newTask();
    await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: { rule: 'FREQ=DAILY', time_zone: 'Europe/Berlin', start: WEDNESDAY_9_BERLIN },
    });
    const changed = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: { rule: 'FREQ=WEEKLY;BYDAY=FR', time_zone: 'Europe/Berlin' },
    });
    expect(changed.json()).toMatchObject({
      recurrence_rule: 'FREQ=WEEKLY;BYDAY=FR',
      series_start: WEDNESDAY_9_BERLIN,
      next_occurrence: '2030-03-08T08:00:00.000Z',
      version: 3,
    });
  });

  it('honours If-Match: 412 on a stale version, 400 on a malformed one', async () => {
    const { user, url } = await newTask();
    const body = { rule: 'FREQ=DAILY', time_zone: 'UTC', start: WEDNESDAY_9_BERLIN };
    const ok = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body,
      headers: { 'if-match': '"1"' },
    });
    expect(ok.statusCode).toBe(200);
    const stale = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body: { ...body, rule: 'FREQ=WEEKLY' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(ErrorBody.parse(stale.json()).error.code).toBe('precondition_failed');
    const malformed = await api.call('POST', `${url}/recurrence`, {
      token: user.token,
      body,
      headers: { 'if-match': 'v2' },
    });
    expect(malformed.statusCode).toBe(400);
  });

  it.each([
    // The published schema's rules: 400.
    ['an empty rule', { rule: '  ' }, 'rule', /NAME=VALUE parts/, 400],
    ['DTSTART in the rule', { rule: 'DTSTART:20300101T000000Z' }, 'rule', /NAME=VALUE/, 400],
    ['a rule of two lines', { rule: 'FREQ=DAILY\nFREQ=WEEKLY' }, 'rule', /NAME=VALUE/, 400],
    ['an unknown time zone', { time_zone: 'Mars/Olympus_Mons' }, 'time_zone', /IANA/, 400],
    ['a zone not spelt as listed', { time_zone: 'europe/berlin' }, 'time_zone', /listed/, 400],
    ['a UTC offset for a zone', { time_zone: '+01:00' }, 'time_zone', /IANA/, 400],
    ['an empty zone', { time_zone: '' }, 'time_zone', /IANA/, 400],
    ['a start without offset', { start: '2030-03-06T09:00:00' }, 'start', /.+/, 400],
    ['an unknown mode', { mode: 'whenever' }, 'mode', /.+/, 400],
    // Well-formed, but no series taskflow runs: 422.
    ['an unknown frequency', { rule: 'FREQ=SOMETIMES' }, 'rule', /with FREQ once/, 400],
    ['an unknown part', { rule: 'FREQ=DAILY;FOO=1' }, 'rule', /the parts are FREQ, INTERVAL/, 400],
    ['a rule without FREQ', { rule: 'INTERVAL=2' }, 'rule', /with FREQ once/, 400],
    ['a value out of range', { rule: 'FREQ=DAILY;INTERVAL=0' }, 'rule', /INTERVAL must be/, 422],
    ['a sub-minute frequency', { rule: 'FREQ=SECONDLY' }, 'rule', /SECONDLY is not supported/, 422],
    ['every minute', { rule: 'FREQ=MINUTELY' }, 'rule', /1440 occurrences a day; at most 96/, 422],
    [
      'too many a day',
      { rule: 'FREQ=HOURLY;BYMINUTE=0,10,20,30,40' },
      'rule',
      /120 occurrences a day/,
      422,
    ],
    [
      'UNTIL before the start',
      { rule: 'FREQ=DAILY;UNTIL=20300101T000000Z' },
      'rule',
      /UNTIL .* is before the series start/,
      422,
    ],
    ['COUNT=0', { rule: 'FREQ=DAILY;COUNT=0' }, 'rule', /COUNT must be at least 1/, 422],
    [
      'a start before 1900',
      { start: '1800-01-01T00:00:00Z' },
      'start',
      /between 1900 and 2999/,
      422,
    ],
    [
      'a series that ended before now',
      { rule: 'FREQ=DAILY;COUNT=3', start: '2020-01-01T09:00:00Z' },
      'rule',
      /ended at 2020-01-03T09:00:00.000Z, before now/,
      422,
    ],
  ] as const)(
    'answers for %s, naming the field and why',
    async (_name, change, path, why, status) => {
      const { user, url } = await newTask();
      const body = {
        rule: 'FREQ=DAILY',
        time_zone: 'Europe/Berlin',
        start: WEDNESDAY_9_BERLIN,
        ...change,
      };
      const response = await api.call('POST', `${url}/recurrence`, { token: user.token, body });
      expectBadField(response, path, why, status);
      // Nothing was written.
      expect(await userEvents(api.database.db, user.id)).toHaveLength(1);
      expect((await api.call('GET', url, { token: user.token })).json().is_recurring).toBe(false);
    },
  );

  it.each([
    ['no rule', { time_zone: 'UTC' }],
    ['no time zone', { rule: 'FREQ=DAILY' }],
    ['an unknown field', { rule: 'FREQ=DAILY', time_zone: 'UTC', every: 'day' }],
    ['a rule of the wrong type', { rule: 7, time_zone: 'UTC' }],
    ['no body at all', undefined],
  ])('answers 400 for %s', async (_name, body) => {
    const { user, url } = await newTask();
    const response = await api.call('POST', `${url}/recurrence`, { token: user.token, body });
    expect(response.statusCode).toBe(400);
    expect(ErrorBody.parse(response.json()).error.code).toBe('validation_failed');
  });
});

describe('POST /api/:user_id/tasks with recurrence', () => {
  it('creates the task as a series, starting at its due date', async () => {
    const { user, task } = await newTask({
      title: 'Standup',
      due_date: '2030-03-04T09:00:00+01:00',
      recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR', time_zone: 'Europe/Berlin' },
    });
    expect(task).toMatchObject({
      is_recurring: true,
      recurrence_rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR',
      recurrence_mode: 'schedule',
      series_start: MONDAY_9_BERLIN,
      next_occurrence: MONDAY_9_BERLIN,
      version: 1,
    });
    const events = await userEvents(api.database.db, user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event_type: 'task.created', data: task });
  });

  it('replays an Idempotency-Key retry without a second series', async () => {
    const user = await api.newUser();
    const request = {
      token: user.token,
      body: { title: 'once', recurrence: { rule: 'FREQ=DAILY', time_zone: 'UTC' } },
      headers: { 'idempotency-key': 'series-1' },
    };
    const first = await api.call('POST', `/api/${user.id}/tasks`, request);
    const retry = await api.call('POST', `/api/${user.id}/tasks`, request);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(await userEvents(api.database.db, user.id)).toHaveLength(1);
  });

  it('answers 400 naming recurrence.<field> for a bad series, and creates nothing', async () => {
    const user = await api.newUser();
    const response = await api.call('POST', `/api/${user.id}/tasks`, {
      token: user.token,
      body: { title: 't', recurrence: { rule: 'FREQ=DAILY', time_zone: 'Atlantis/Capital' } },
    });
    expectBadField(response, 'recurrence.time_zone', /IANA time zone/);
    const never = await api.call('POST', `/api/${user.id}/tasks`, {
      token: user.token,
      body: { title: 't', recurrence: { rule: 'FREQ=SECONDLY', time_zone: 'UTC' } },
    });
    expectBadField(never, 'recurrence.rule', /SECONDLY is not supported/, 422);
    const missing = await api.call('POST', `/api/${user.id}/tasks`, {
      token: user.token,
      body: { title: 't', recurrence: { rule: 'FREQ=DAILY' } },
    });
    expect(missing.statusCode).toBe(400);
    expect(ErrorBody.parse(missing.json()).error.details?.[0]?.path).toBe('recurrence.time_zone');
    expect(await userEvents(api.database.db, user.id)).toHaveLength(0);
  });
});

describe('DELETE /api/:user_id/tasks/:id/recurrence', () => {
  it('stops the series, keeps its rule and its instances, appends task.updated', async () => {
    const { user, task, url } = await newTask({
      title: 'Standup',
      recurrence: { rule: 'FREQ=DAILY', time_zone: 'UTC', start: WEDNESDAY_9_BERLIN },
    });
    // An instance the scheduler had spawned.
    const instance: Task = {
      ...task,
      id: crypto.randomUUID(),
      recurrence_rule: null,
      is_recurring: false,
      next_occurrence: null,
      time_zone: null,
      recurrence_mode: null,
      series_start: null,
      series_id: task.id,
      occurrence_at: WEDNESDAY_9_BERLIN,
      due_date: WEDNESDAY_9_BERLIN,
    };
    await insertInstances(api.database.db, [instance]);

    const response = await api.call('DELETE', `${url}/recurrence`, {
      token: user.token,
      headers: { 'if-match': '"1"' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(Task.parse(response.json())).toMatchObject({
      is_recurring: false,
      next_occurrence: null,
      recurrence_rule: 'FREQ=DAILY',
      time_zone: 'UTC',
      version: 2,
    });
    expect(response.headers.etag).toBe('"2"');
    const events = await userEvents(api.database.db, user.id);
    expect(events.map((e) => e.event_type)).toEqual(['task.created', 'task.updated']);
    expect((await seriesInstances(api.database.db, task.id)).map((row) => row.id)).toEqual([
      instance.id,
    ]);

    // Again: nothing to stop, nothing written.
    const again = await api.call('DELETE', `${url}/recurrence`, { token: user.token });
    expect(again.json().version).toBe(2);
    expect(await userEvents(api.database.db, user.id)).toHaveLength(2);
  });

  it('answers 412 for a stale If-Match', async () => {
    const { user, url } = await newTask({
      title: 't',
      recurrence: { rule: 'FREQ=DAILY', time_zone: 'UTC' },
    });
    const response = await api.call('DELETE', `${url}/recurrence`, {
      token: user.token,
      headers: { 'if-match': '"7"' },
    });
    expect(response.statusCode).toBe(412);
  });
});

describe('GET /api/:user_id/tasks/recurring', () => {
  it('lists live series only, newest first, with the rule in words, page by page', async () => {
    const user = await api.newUser();
    const create = async (body: Record<string, unknown>) =>
      Task.parse(
        (await api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body })).json(),
      );
    const weekly = await create({
      title: 'Standup',
      recurrence: {
        rule: 'FREQ=WEEKLY;BYDAY=MO',
        time_zone: 'Europe/Berlin',
        start: MONDAY_9_BERLIN,
      },
    });
    await create({ title: 'one-off' });
    const monthly = await create({
      title: 'Rent',
      recurrence: {
        rule: 'FREQ=MONTHLY;BYMONTHDAY=-1',
        time_zone: 'America/New_York',
        start: '2030-03-31T09:00:00-04:00',
        mode: 'completion',
      },
    });
    const stopped = await create({
      title: 'stopped',
      recurrence: { rule: 'FREQ=DAILY', time_zone: 'UTC' },
    });
    await api.call('DELETE', `/api/${user.id}/tasks/${stopped.id}/recurrence`, {
      token: user.token,
    });

    const first = await api.call('GET', `/api/${user.id}/tasks/recurring?limit=1`, {
      token: user.token,
    });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = RecurringTaskList.parse(first.json());
    expect(page1.items.map((t) => t.id)).toEqual([monthly.id]);
    expect(page1.items[0]).toMatchObject({
      rule_description: 'every month on the last day at 09:00 (America/New_York)',
      series_status: 'scheduled',
      next_occurrence: '2030-03-31T13:00:00.000Z',
    });
    expect(page1.next_cursor).not.toBeNull();

    const second = await api.call(
      'GET',
      `/api/${user.id}/tasks/recurring?limit=1&cursor=${page1.next_cursor}`,
      { token: user.token },
    );
    const page2 = RecurringTaskList.parse(second.json());
    expect(page2.items.map((t) => [t.id, t.rule_description])).toEqual([
      [weekly.id, 'every week on Monday at 09:00 (Europe/Berlin)'],
    ]);
    expect(page2.next_cursor).toBeNull();
  });

  it("never lists another user's series", async () => {
    const { user } = await newTask({
      title: 'mine',
      recurrence: { rule: 'FREQ=DAILY', time_zone: 'UTC' },
    });
    const other = await api.newUser();
    const theirs = await api.call('GET', `/api/${other.id}/tasks/recurring`, {
      token: other.token,
    });
    expect(theirs.json()).toEqual({ items: [], next_cursor: null });
    const mine = await api.call('GET', `/api/${user.id}/tasks/recurring`, { token: user.token });
    expect(mine.json().items).toHaveLength(1);
  });

  it.each(['limit=0', 'limit=201', 'cursor=not-ours', 'recurring=true'])(
    'answers 400 for %s',
    async (query) => {
      const user = await api.newUser();
      const response = await api.call('GET', `/api/${user.id}/tasks/recurring?${query}`, {
        token: user.token,
      });
      expect(response.statusCode).toBe(400);
      ErrorBody.parse(response.json());
    },
  );
});

describe('who may call the recurrence routes', () => {
  const routes = [
    ['POST', '/recurrence'],
    ['DELETE', '/recurrence'],
  ] as const;
  const body = { rule: 'FREQ=DAILY', time_zone: 'UTC' };

  it.each(routes)('%s .../tasks/:id%s: 401 without a valid token', async (method, suffix) => {
    const { url } = await newTask();
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }];
    for (const headers of attempts) {
      const response = await api.call(method, `${url}${suffix}`, { body, headers });
      expect(response.statusCode).toBe(401);
      ErrorBody.parse(response.json());
    }
  });

  it.each(routes)(
    "%s .../tasks/:id%s: 403 on another user's path, 404 for their task under one's own",
    async (method, suffix) => {
      const { user, task, url } = await newTask();
      const mallory = await api.newUser();
      const viaVictimPath = await api.call(method, `${url}${suffix}`, {
        token: mallory.token,
        body,
      });
      expect(viaVictimPath.statusCode).toBe(403);
      const viaOwnPath = await api.call(method, `/api/${mallory.id}/tasks/${task.id}${suffix}`, {
        token: mallory.token,
        body,
      });
      expect(viaOwnPath.statusCode).toBe(404);
      expect(ErrorBody.parse(viaOwnPath.json()).error.code).toBe('not_found');
      const unknown = await api.call(
        method,
        `/api/${user.id}/tasks/${crypto.randomUUID()}${suffix}`,
        { token: user.token, body },
      );
      expect(unknown.statusCode).toBe(404);
      // The victim's task is untouched.
      expect((await api.call('GET', url, { token: user.token })).json().version).toBe(1);
    },
  );

  it("GET .../tasks/recurring: 401 without a token, 403 on another user's path", async () => {
    const user = await api.newUser();
    const mallory = await api.newUser();
    expect((await api.call('GET', `/api/${user.id}/tasks/recurring`)).statusCode).toBe(401);
    const response = await api.call('GET', `/api/${user.id}/tasks/recurring`, {
      token: mallory.token,
    });
    expect(response.statusCode).toBe(403);
  });
});
