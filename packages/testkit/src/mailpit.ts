// The shared local mailpit (scripts/provision/mailpit.sh), read through its HTTP API
// (/api/v1, mailpit's server/apiv1): the mail that code under test sent over real SMTP.
//
// One mailpit serves every test file at once, so a test never lists or deletes "all" mail:
// it sends to addresses of its own (`testMailbox()`) and reads them with a search
// (`to:"<address>"`), and deletes by id or by that search.

import { randomUUID } from 'node:crypto';

/** An address as mailpit reports it (net/mail's Address). */
export interface MailpitAddress {
  Name: string;
  Address: string;
}

/** One message in a list or a search (mailpit's MessageSummary). */
export interface MailpitSummary {
  /** mailpit's database id: what getMessage, getMessageHeaders and deleteMessages take. */
  ID: string;
  /** The message's own Message-ID header, without the angle brackets. */
  MessageID: string;
  Read: boolean;
  From: MailpitAddress | null;
  To: MailpitAddress[] | null;
  Cc: MailpitAddress[] | null;
  Bcc: MailpitAddress[] | null;
  ReplyTo: MailpitAddress[] | null;
  Subject: string;
  /** When mailpit received it (RFC 3339). */
  Created: string;
  /** The SMTP login it was sent with, if any. */
  Username: string;
  Tags: string[];
  Size: number;
  Attachments: number;
  Snippet: string;
}

/** A whole message (mailpit's Message): both bodies and the parsed List-Unsubscribe. */
export interface MailpitMessage {
  ID: string;
  MessageID: string;
  From: MailpitAddress | null;
  To: MailpitAddress[] | null;
  Cc: MailpitAddress[] | null;
  Bcc: MailpitAddress[] | null;
  ReplyTo: MailpitAddress[] | null;
  ReturnPath: string;
  Subject: string;
  ListUnsubscribe: { Header: string; Links: string[]; Errors: string; HeaderPost: string };
  /** The Date header, or when it was received if it has none (RFC 3339). */
  Date: string;
  Tags: string[];
  Username: string;
  Text: string;
  HTML: string;
  Size: number;
  Inline: unknown[];
  Attachments: unknown[];
}

export interface MailpitList {
  /** Messages in the whole mailbox (every test's). */
  total: number;
  /** Messages matching the query (all of them, not only this page). */
  matching: number;
  /** Newest first. */
  messages: MailpitSummary[];
}

const REQUEST_TIMEOUT_MS = 5_000;

/** MAILPIT_API (e.g. http://127.0.0.1:8025), or an error that says how to get one. */
export function mailpitApi(): string {
  const api = process.env.MAILPIT_API;
  if (!api) {
    throw new Error(
      'MAILPIT_API is not set: start mailpit with `eval "$(bash scripts/provision/mailpit.sh)"` ' +
        '(or `eval "$(bash scripts/provision/all.sh)"`), which exports MAILPIT_API and MAILPIT_SMTP',
    );
  }
  return api.replace(/\/+$/, '');
}

/** MAILPIT_SMTP (e.g. 127.0.0.1:1025) as host and port, or an error that says how to get one. */
export function mailpitSmtp(): { host: string; port: number } {
  const smtp = process.env.MAILPIT_SMTP;
  const match = smtp ? /^(.+):(\d+)$/.exec(smtp) : null;
  if (!match) {
    throw new Error(
      `MAILPIT_SMTP is ${smtp === undefined ? 'not set' : `'${smtp}', not host:port`}: start mailpit ` +
        'with `eval "$(bash scripts/provision/mailpit.sh)"`, which exports MAILPIT_SMTP and MAILPIT_API',
    );
  }
  return { host: match[1]!, port: Number(match[2]) };
}

/** A fresh recipient address, so that a test's mail is told apart from every other test's. */
export const testMailbox = (label = 'test'): string => `${label}-${randomUUID()}@mailpit.test`;

/** One API call; an unreachable mailpit or an error status is thrown with what to do about it. */
async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const api = mailpitApi();
  let response: Response;
  try {
    response = await fetch(`${api}/api/v1/${path}`, {
      method,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause ?? error) : error;
    throw new Error(
      `mailpit at MAILPIT_API=${api} is unreachable (${String(cause)}); ` +
        'is it running? `bash scripts/provision/mailpit.sh status`, and start it with ' +
        '`bash scripts/provision/mailpit.sh start`',
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new Error(
      `mailpit ${method} /api/v1/${path}: ${response.status} ${await response.text()}`,
    );
  }
  return response;
}

interface SummaryPage {
  total: number;
  messages_count: number;
  messages: MailpitSummary[] | null;
}

/**
 * Messages, newest first: those matching a mailpit search (`to:"a@b"`, `subject:"x"`,
 * `message-id:"<id>"`; https://mailpit.axllent.org/docs/usage/search-filters/), or without a
 * query every test's mail. `limit` defaults to 50 (mailpit's default), `start` to 0.
 */
export async function listMessages(
  options: { query?: string; limit?: number; start?: number } = {},
): Promise<MailpitList> {
  const params = new URLSearchParams();
  if (options.query !== undefined) params.set('query', options.query);
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  if (options.start !== undefined) params.set('start', String(options.start));
  const path = options.query === undefined ? 'messages' : 'search';
  const page = (await (await call('GET', `${path}?${params}`)).json()) as SummaryPage;
  return { total: page.total, matching: page.messages_count, messages: page.messages ?? [] };
}

/** The messages sent to ADDRESS, newest first. */
export const messagesTo = async (address: string, limit = 1_000): Promise<MailpitSummary[]> =>
  (await listMessages({ query: `to:"${address}"`, limit })).messages;

/** A whole message by mailpit's id (a summary's `ID`). */
export async function getMessage(id: string): Promise<MailpitMessage> {
  return (await (await call('GET', `message/${encodeURIComponent(id)}`)).json()) as MailpitMessage;
}

/** A message's headers as sent, each name with all its values (e.g. `Message-Id`). */
export async function getMessageHeaders(id: string): Promise<Record<string, string[]>> {
  return (await (await call('GET', `message/${encodeURIComponent(id)}/headers`)).json()) as Record<
    string,
    string[]
  >;
}

/** A message's source as received (RFC 5322). */
export async function getRawMessage(id: string): Promise<string> {
  return (await call('GET', `message/${encodeURIComponent(id)}/raw`)).text();
}

/**
 * Deletes these messages. An empty list deletes nothing: mailpit reads an empty list as
 * "delete everything", which would take other tests' mail with it (deleteAllMessages does that
 * on purpose).
 */
export async function deleteMessages(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await call('DELETE', 'messages', { IDs: ids });
}

/** Deletes every message matching a search (e.g. `to:"<a test's address>"`). */
export async function deleteMatching(query: string): Promise<void> {
  await call('DELETE', `search?${new URLSearchParams({ query })}`);
}

/** Empties the whole mailbox: only for a run that has mailpit to itself (a benchmark). */
export async function deleteAllMessages(): Promise<void> {
  await call('DELETE', 'messages');
}

/**
 * Polls a search until at least COUNT messages match, and returns them (newest first). Mail is
 * stored once mailpit has answered the SMTP DATA, so a sender that has returned is normally
 * seen on the first poll; the wait is for senders that deliver in the background.
 */
export async function waitForMessages(
  query: string,
  count = 1,
  { timeoutMs = 10_000, intervalMs = 100 } = {},
): Promise<MailpitSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { messages, matching } = await listMessages({ query, limit: Math.max(count, 50) });
    if (matching >= count) return messages;
    if (Date.now() >= deadline) {
      throw new Error(
        `mailpit: ${matching} message(s) match ${query} after ${timeoutMs} ms, expected ${count}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
