import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '@taskflow/service-kit';
import { loadWebConfig } from '../src/config.ts';
import { contentSecurityPolicy } from '../src/routes/static.ts';
import { SECRET, startWeb } from './harness.ts';

describe('the page', () => {
  it('is served at / with a strict content security policy, and revalidated by ETag', async () => {
    const web = await startWeb();
    const page = await fetch(`${web.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self';");
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const css = await fetch(`${web.url}/styles.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const again = await fetch(`${web.url}/styles.css`, {
      headers: { 'if-none-match': css.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${web.url}/../package.json`)).status).toBe(404);
  });
});

describe('an API on another origin', () => {
  it('is named to the page by /config.json, and the CSP lets the page connect there', async () => {
    const web = await startWeb({
      PUBLIC_API_URL: 'https://api.example.com/',
      PUBLIC_WS_URL: 'wss://live.example.com:8443',
    });
    expect(await (await fetch(`${web.url}/config.json`)).json()).toEqual({
      dev_sign_in: false,
      api_url: 'https://api.example.com',
      ws_url: 'wss://live.example.com:8443',
    });
    const policy = (await fetch(`${web.url}/`)).headers.get('content-security-policy');
    expect(policy).toContain(
      "connect-src 'self' https://api.example.com wss://live.example.com:8443;",
    );
  });

  it('must be given as origins, with the right schemes', () => {
    expect(() => loadWebConfig({ PUBLIC_API_URL: 'https://api.example.com/v1' })).toThrow(
      /PUBLIC_API_URL: must be an origin/,
    );
    expect(() => loadWebConfig({ PUBLIC_WS_URL: 'https://live.example.com' })).toThrow(
      /PUBLIC_WS_URL/,
    );
    expect(() => loadWebConfig({ PUBLIC_API_URL: 'wss://api.example.com' })).toThrow(
      /PUBLIC_API_URL/,
    );
  });
});

describe('dev sign-in', () => {
  it('is off unless ENVIRONMENT=local: no route mints tokens', async () => {
    for (const ENVIRONMENT of [undefined, 'development', 'production']) {
      const web = await startWeb({
        AUTH_JWT_SECRET: SECRET,
        ...(ENVIRONMENT ? { ENVIRONMENT } : {}),
      });
      expect(await (await fetch(`${web.url}/config.json`)).json()).toEqual({
        dev_sign_in: false,
        api_url: '',
        ws_url: '',
      });
      const minted = await fetch(`${web.url}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'alice' }),
      });
      expect(minted.status).toBe(404);
    }
  });

  it('with ENVIRONMENT=local, issues a token the services accept, for a valid user id only', async () => {
    const web = await startWeb({ ENVIRONMENT: 'local', AUTH_JWT_SECRET: SECRET });
    expect(await (await fetch(`${web.url}/config.json`)).json()).toMatchObject({
      dev_sign_in: true,
    });
    const mint = (body: unknown) =>
      fetch(`${web.url}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const answer = (await (await mint({ user_id: 'alice' })).json()) as { token: string };
    const principal = await createTokenVerifier({ AUTH_JWT_SECRET: SECRET })(answer.token);
    expect(principal.userId).toBe('alice');
    expect((await mint({ user_id: 'a b/c' })).status).toBe(400);
    expect((await mint({ user_id: 'alice', admin: true })).status).toBe(400);
    expect(web.logs()).toContain('dev sign-in issues tokens for any user');
    expect(web.logs()).not.toContain(answer.token.split('.')[2]);
  });

  it('refuses to start in local mode without a secret to sign with', () => {
    expect(() => loadWebConfig({ ENVIRONMENT: 'local' })).toThrow(
      /AUTH_JWT_SECRET: is required when ENVIRONMENT=local/,
    );
  });
});
