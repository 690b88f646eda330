import { ErrorBody, LinkQuery } from '@taskflow/contracts';
import { channelByUnsubscribeToken, verifyChannelByToken, type Database } from '@taskflow/db';
import { MEDIA_TYPE_KEY, type App } from '@taskflow/service-kit';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { tokenHash } from '../channels/commands.ts';

// The links in reminder emails, opened from a mail client without signing in: the token in the
// link is the credential (256 random bits; a verification token is stored only as its hash and
// works once, for 24 hours). They answer small HTML pages, since a person reads them.

const errors = { '4xx': ErrorBody };
const Page = z
  .string()
  .describe('An HTML page that says what happened')
  .meta({ [MEDIA_TYPE_KEY]: 'text/html' });

/** No script, no frames, no outside resources; the unsubscribe form posts back here. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · taskflow</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d2330}button{font:inherit;padding:.5rem 1rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const html = (reply: FastifyReply, status: number, title: string, body: string): void => {
  void reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(page(title, body));
};

const GONE = 'This link is not valid: it was used already, has expired, or was mistyped.';

/** `/api/links/...`, outside the authenticated scope. */
export function emailLinkRoutes(app: App, { database }: { database: Database }) {
  // RFC 8058 one-click unsubscribe posts `List-Unsubscribe=One-Click` as a form; the body says
  // nothing the token does not, so it is read and left.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, _body, done) => done(null, undefined),
  );

  app.get(
    '/verify',
    {
      schema: {
        operationId: 'verifyEmailChannel',
        summary: 'Verify an email address (the link in the verification email)',
        description: 'No bearer token: the link is the credential. Works once, for 24 hours.',
        security: [],
        querystring: LinkQuery,
        response: { 200: Page, 404: Page, ...errors },
      },
    },
    async (request, reply) => {
      const channel = await verifyChannelByToken(database.db, tokenHash(request.query.token));
      if (!channel) return html(reply, 404, 'Link not valid', `<p>${GONE}</p>`);
      html(
        reply,
        200,
        'Address verified',
        `<p>Reminders can now be sent to <strong>${escapeHtml(channel.address)}</strong>.</p>`,
      );
    },
  );

  app.get(
    '/unsubscribe',
    {
      schema: {
        operationId: 'showUnsubscribe',
        summary: 'The page of the unsubscribe link in every reminder email',
        description:
          'Asks to confirm (a GET changes nothing: mail scanners open links). The form posts to the same URL.',
        security: [],
        querystring: LinkQuery,
        response: { 200: Page, 404: Page, ...errors },
      },
    },
    async (request, reply) => {
      const channel = await channelByUnsubscribeToken(database.db, request.query.token);
      if (!channel) return html(reply, 404, 'Link not valid', `<p>${GONE}</p>`);
      html(
        reply,
        200,
        'Unsubscribe',
        `<p>Stop sending reminders to <strong>${escapeHtml(channel.address)}</strong>?</p><form method="post"><button type="submit">Unsubscribe</button></form>`,
      );
    },
  );

  app.post(
    '/unsubscribe',
    {
      schema: {
        operationId: 'unsubscribe',
        summary: 'Unsubscribe an email address (RFC 8058 one-click, or the page’s form)',
        description:
          'The channel becomes `unsubscribed`: nothing more is sent to it, and its queued reminders fail as unsubscribed, until its owner verifies it again.',
        security: [],
        querystring: LinkQuery,
        response: { 200: Page, 404: Page, ...errors },
      },
    },
    async (request, reply) => {
      const channel = await channelByUnsubscribeToken(database.db, request.query.token, {
        apply: true,
      });
      if (!channel) return html(reply, 404, 'Link not valid', `<p>${GONE}</p>`);
      html(
        reply,
        200,
        'Unsubscribed',
        `<p>No more reminders will be sent to <strong>${escapeHtml(channel.address)}</strong>.</p>`,
      );
    },
  );
}
