import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { App } from '@taskflow/service-kit';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * Everything the page may load comes from this origin; nothing is inline. With the token in
 * the page's storage, a script injected from elsewhere is the one thing to keep out. It may
 * connect to this origin and to the API and WebSocket origins it is configured with.
 */
export const contentSecurityPolicy = (connectTo: readonly string[] = []) =>
  [
    "default-src 'self'",
    ["connect-src 'self'", ...connectTo].join(' '),
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * The built page (dist/public), read once at startup: a handful of small files. `/` is
 * index.html. ETags let the browser revalidate instead of downloading again.
 */
export function staticRoutes(app: App, root: string, connectTo: readonly string[] = []): void {
  const policy = contentSecurityPolicy(connectTo);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`no page at ${root}: run \`pnpm --filter @taskflow/web build\``);
  }
  for (const name of readdirSync(root)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(root, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    const paths = name === 'index.html' ? ['/', '/index.html'] : [`/${name}`];
    for (const path of paths) {
      app.get(path, { schema: { hide: true } }, async (request, reply) => {
        reply
          .header('content-type', type)
          .header('etag', etag)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer');
        if (type.startsWith('text/html')) {
          reply.header('content-security-policy', policy);
        }
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.send(body);
      });
    }
  }
}
