import { describe, expect, it } from 'vitest';
import { connect, newUserId, refusedWith, startNotifier, taskEvent, tokenFor } from './harness.ts';

const notifier = await startNotifier({ WS_MAX_CONNECTIONS_PER_USER: '2' });
const tokensUsed: string[] = [];
const token = async (userId: string) => {
  const value = await tokenFor(userId);
  tokensUsed.push(value);
  return value;
};

describe('the upgrade', () => {
  it('accepts the token as subprotocols, as ?access_token= and as Authorization', async () => {
    for (const how of ['protocol', 'query', 'header'] as const) {
      const userId = newUserId();
      const client = await connect(notifier, userId, { token: await token(userId), how });
      expect(client.ws.protocol).toBe(how === 'protocol' ? 'bearer' : '');
      await client.next((m) => m.type === 'hello');
      const event = taskEvent(userId);
      await notifier.deliver(event);
      await client.next((m) => 'event_id' in m && m.event_id === event.event_id);
      client.ws.close();
    }
  });

  it('refuses without a socket: 401 without or with a bad token, 403 for another user', async () => {
    const alice = newUserId();
    const url = `${notifier.url}/ws/user/${alice}/tasks`;
    const malloryToken = await token(newUserId());
    expect(await refusedWith(url)).toBe(401);
    expect(await refusedWith(url, ['bearer', 'not-a-jwt'])).toBe(401);
    expect(await refusedWith(`${url}?access_token=${malloryToken}`)).toBe(403);
    expect(await refusedWith(url, ['bearer', malloryToken])).toBe(403);
    expect(await refusedWith(url, [], { authorization: `Bearer ${malloryToken}` })).toBe(403);
    expect(notifier.sockets.size).toBe(0);
  });

  it('refuses a malformed last_event_id (400), other paths (404) and too many sockets (429)', async () => {
    const userId = newUserId();
    const userToken = await token(userId);
    const url = `${notifier.url}/ws/user/${userId}/tasks`;
    expect(await refusedWith(`${url}?last_event_id=latest`, ['bearer', userToken])).toBe(400);
    expect(await refusedWith(`${notifier.url}/healthz?access_token=${userToken}`)).toBe(404);
    expect(await refusedWith(`${notifier.url}/ws/user/${userId}`, ['bearer', userToken])).toBe(404);
    const open = [await connect(notifier, userId), await connect(notifier, userId)];
    expect(await refusedWith(url, ['bearer', userToken])).toBe(429);
    for (const client of open) client.ws.close();
  });

  it('never writes a token into a log line', () => {
    const logs = notifier.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const value of tokensUsed) expect(logs).not.toContain(value.split('.')[2]);
  });
});

describe('a full replica', () => {
  it('answers 503 once it holds WS_MAX_CONNECTIONS sockets', async () => {
    const small = await startNotifier({ WS_MAX_CONNECTIONS: '1' });
    const first = await connect(small, newUserId());
    const other = newUserId();
    const url = `${small.url}/ws/user/${other}/tasks`;
    expect(await refusedWith(url, ['bearer', await tokenFor(other)])).toBe(503);
    first.ws.close();
  });
});
