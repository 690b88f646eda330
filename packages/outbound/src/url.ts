// What a user-given URL may look like before anything is resolved or sent.
import { isIP } from 'node:net';
import { AddressPolicy, unbracket } from './policy.ts';

/** Why a URL or a destination is refused; `reason` says it in words. */
export type RefusalCode =
  'invalid_url' | 'scheme' | 'credentials' | 'port' | 'forbidden_address' | 'no_address';

export type UrlCheck =
  | { ok: true; url: URL; host: string; port: number; literal: boolean }
  | { ok: false; code: RefusalCode; reason: string };

export interface UrlOptions {
  /**
   * Allow http: as well as https:. The services pass `ENVIRONMENT === 'local'`; nothing in this
   * package reads the environment.
   */
  allowHttp?: boolean;
  /** The address policy that an IP literal in the URL is checked against. */
  policy?: AddressPolicy;
}

/** Longer than any webhook URL a person types; bounds what is stored and logged. */
export const MAX_URL_LENGTH = 2048;

/**
 * Ports of the 1,024 and above that browsers refuse to fetch (the Fetch standard's "bad ports"):
 * X11, IRC, SIP, NFS and others, whose servers can be driven by a request whose bytes an
 * attacker chooses. Every port below 1024 is refused except 80 and 443, so that a webhook
 * cannot speak to SMTP (25, 465, 587), SSH or other well-known services on a public host.
 */
const BAD_PORTS = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
]);

const refuse = (code: RefusalCode, reason: string): UrlCheck => ({ ok: false, code, reason });

/**
 * Parses and checks a URL without resolving it: https only (http: too with `allowHttp`), no
 * user name or password, port 80, 443 or any from 1024 up except the bad ports above, and a
 * host that is a DNS name or an IP literal the policy allows. The URL parser (WHATWG) has
 * already turned the other spellings of an IPv4 address (`2130706433`, `0x7f.1`, `127.1`) into
 * dotted form, so the literal check sees the address they mean. A name is checked later, by
 * the addresses it resolves to (`checkDestination`, `deliver`).
 */
export function checkUrl(input: string, options: UrlOptions = {}): UrlCheck {
  if (input.length > MAX_URL_LENGTH) {
    return refuse('invalid_url', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  const url = URL.parse(input);
  if (url === null) return refuse('invalid_url', 'not a valid absolute URL');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
    return refuse(
      'scheme',
      options.allowHttp
        ? `the URL must be https: or http:, not ${url.protocol}`
        : `the URL must be https:, not ${url.protocol}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('credentials', 'the URL must not hold a user name or password');
  }
  const host = unbracket(url.hostname);
  if (host === '') return refuse('invalid_url', 'the URL has no host');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if ((port < 1024 && port !== 80 && port !== 443) || BAD_PORTS.has(port)) {
    return refuse('port', `port ${port} is not allowed (80, 443, or 1024 and above)`);
  }
  const literal = isIP(host) !== 0;
  if (literal) {
    const verdict = (options.policy ?? AddressPolicy.standard).check(host);
    if (!verdict.ok) return refuse('forbidden_address', verdict.reason);
  }
  return { ok: true, url, host, port, literal };
}
