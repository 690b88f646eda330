import { describe, expect, it } from 'vitest';
import { Task } from '@taskflow/contracts';
import { userEvents } from '@taskflow/db';
import { startApi } from './api.ts';

// Every write that appends an event wakes the relay once its commit is done (through the outbox
// the app is given); a request that writes nothing wakes nobody.
const api = await startApi();

async function woken<T>(write: () => Promise<T>): Promise<{ result: T; wakes: number }> {
  const before = api.wakes();
  const result = await write();
  return { result, wakes: api.wakes() - before };
}

describe('task-api wakes the outbox relay', () => {
  it('once per command that committed an event, never for one that wrote nothing', async () => {
    const user = await api.newUser();
    const as = { token: user.token };
    const create = await woken(() =>
      api.call('POST', `/api/${user.id}/tasks`, { ...as, body: { title: 'Plan' } }),
    );
    expect(create.wakes).toBe(1);
    const url = `/api/${user.id}/tasks/${Task.parse(create.result.json()).id}`;

    const keyedCreate = () =>
      api.call('POST', `/api/${user.id}/tasks`, {
        ...as,
        body: { title: 'Once' },
        headers: { 'idempotency-key': 'wake-once' },
      });
    expect((await woken(keyedCreate)).wakes).toBe(1);
    // The retry is answered from the idempotency record: nothing written, nobody woken.
    const replayed = await woken(keyedCreate);
    expect(replayed.wakes).toBe(0);

    expect(
      (await woken(() => api.call('PATCH', url, { ...as, body: { title: 'Go' } }))).wakes,
    ).toBe(1);
    // The same title again is no change: no version, no event, no wake-up.
    expect(
      (await woken(() => api.call('PATCH', url, { ...as, body: { title: 'Go' } }))).wakes,
    ).toBe(0);
    const stale = await woken(() =>
      api.call('PATCH', url, { ...as, body: { title: 'Late' }, headers: { 'if-match': '"1"' } }),
    );
    expect(stale.result.statusCode).toBe(412);
    expect(stale.wakes).toBe(0);
    const series = await woken(() =>
      api.call('POST', `${url}/recurrence`, {
        ...as,
        body: { rule: 'FREQ=DAILY', time_zone: 'Europe/Berlin' },
      }),
    );
    expect(series.result.statusCode).toBe(200);
    expect(series.wakes).toBe(1);
    expect((await woken(() => api.call('DELETE', `${url}/recurrence`, as))).wakes).toBe(1);
    expect((await woken(() => api.call('DELETE', url, as))).wakes).toBe(1);

    // One wake-up per event appended, here: each command appended exactly one.
    expect(await userEvents(api.database.db, user.id)).toHaveLength(6);
  });
});
