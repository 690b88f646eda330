// Which IP addresses an outgoing request to a user-given URL may connect to.
//
// The rule is deny by name, then allow only what is left of the public unicast space: every
// IPv4 and IPv6 block of IANA's special-purpose address registries is refused (loopback,
// private, link-local with the cloud metadata address, shared CGNAT space, documentation,
// benchmarking, multicast, reserved, broadcast), and for IPv6 everything outside 2000::/3, the
// only block IANA allocates as global unicast, is refused too, so a range this table forgets
// outside 2000::/3 is still refused. Membership is node's own `net.BlockList`: it parses both
// families and matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1, ::ffff:7f00:1) against
// the IPv4 rules, so the mapped form of a refused address is refused under the same name.
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

interface NamedRange {
  /** What the block is, as a refusal names it. */
  name: string;
  cidr: string;
  family: Family;
}

/**
 * IPv4 blocks refused (IANA IPv4 Special-Purpose Address Registry, plus multicast and the
 * reserved class E). Order matters only for the name a refusal gives: the first match wins.
 */
const IPV4: NamedRange[] = [
  { name: 'unspecified ("this network")', cidr: '0.0.0.0/8' },
  { name: 'private (RFC 1918)', cidr: '10.0.0.0/8' },
  { name: 'shared address space (CGNAT, RFC 6598)', cidr: '100.64.0.0/10' },
  { name: 'loopback', cidr: '127.0.0.0/8' },
  { name: 'link-local (cloud metadata lives here: 169.254.169.254)', cidr: '169.254.0.0/16' },
  { name: 'private (RFC 1918)', cidr: '172.16.0.0/12' },
  { name: 'IETF protocol assignments', cidr: '192.0.0.0/24' },
  { name: 'documentation (TEST-NET-1)', cidr: '192.0.2.0/24' },
  { name: '6to4 relay anycast (deprecated)', cidr: '192.88.99.0/24' },
  { name: 'private (RFC 1918)', cidr: '192.168.0.0/16' },
  { name: 'benchmarking', cidr: '198.18.0.0/15' },
  { name: 'documentation (TEST-NET-2)', cidr: '198.51.100.0/24' },
  { name: 'documentation (TEST-NET-3)', cidr: '203.0.113.0/24' },
  { name: 'multicast', cidr: '224.0.0.0/4' },
  { name: 'broadcast', cidr: '255.255.255.255/32' },
  { name: 'reserved (class E)', cidr: '240.0.0.0/4' },
  // Public-looking, but inside every Azure VM it is the platform's own endpoint (the
  // wireserver: instance configuration, health reports), as 169.254.169.254 is elsewhere.
  { name: "Azure's platform endpoint (wireserver)", cidr: '168.63.129.16/32' },
].map((range) => ({ ...range, family: 'ipv4' as const }));

/**
 * IPv6 blocks refused by name (IANA IPv6 Special-Purpose Address Registry). Those outside
 * 2000::/3 would be refused anyway (below); they are named so that a refusal says what the
 * address is. Inside 2000::/3 the names are the whole rule.
 */
const IPV6: NamedRange[] = [
  { name: 'unspecified', cidr: '::/128' },
  { name: 'loopback', cidr: '::1/128' },
  {
    name: 'IPv4-mapped (a public IPv4 address is reached as itself, not this way)',
    cidr: '::ffff:0:0/96',
  },
  { name: 'IPv4-compatible (deprecated)', cidr: '::/96' },
  { name: 'NAT64 (it embeds an IPv4 address, private ones included)', cidr: '64:ff9b::/96' },
  { name: 'local-use NAT64', cidr: '64:ff9b:1::/48' },
  { name: 'IPv4/IPv6 translation (RFC 6145)', cidr: '::ffff:0:0:0/96' },
  { name: 'discard-only', cidr: '100::/64' },
  { name: 'IETF protocol assignments (Teredo, benchmarking, ORCHID)', cidr: '2001::/23' },
  { name: 'documentation', cidr: '2001:db8::/32' },
  { name: '6to4 (it embeds an IPv4 address, private ones included)', cidr: '2002::/16' },
  { name: 'documentation', cidr: '3fff::/20' },
  { name: 'segment routing (SRv6 SIDs)', cidr: '5f00::/16' },
  { name: 'unique local (private, fc00::/7; AWS metadata is fd00:ec2::254)', cidr: 'fc00::/7' },
  { name: 'link-local', cidr: 'fe80::/10' },
  { name: 'site-local (deprecated)', cidr: 'fec0::/10' },
  { name: 'multicast', cidr: 'ff00::/8' },
].map((range) => ({ ...range, family: 'ipv6' as const }));

function blockListOf(ranges: readonly NamedRange[]) {
  return ranges.map(({ name, cidr, family }) => {
    const [network, prefix] = cidr.split('/') as [string, string];
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { name: `${name}, ${cidr}`, family, list };
  });
}

const NAMED = blockListOf([...IPV4, ...IPV6]);
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** Strips the brackets of a URL's IPv6 host (`[::1]` → `::1`). */
export const unbracket = (host: string): string =>
  host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;

export type AddressCheck = { ok: true } | { ok: false; reason: string };

/** Only this module holds it: no other code can construct a policy (see allowances below). */
const CONSTRUCT = Symbol('AddressPolicy');

/**
 * The policy every request is checked against. Production code has exactly one:
 * `AddressPolicy.standard`. A policy that also allows some exact addresses exists only for
 * tests that must reach a receiver on loopback, and is made only by `allowForTests` of
 * `@taskflow/outbound/testing` (see README.md, "Tests and local receivers").
 */
export class AddressPolicy {
  /** Refuses every special-purpose address, allows the rest. */
  static readonly standard = new AddressPolicy(CONSTRUCT, new BlockList(), []);

  readonly #allowed: BlockList;
  /** The addresses allowed beyond the standard rule, for messages. */
  readonly allowances: readonly string[];

  constructor(key: typeof CONSTRUCT, allowed: BlockList, allowances: readonly string[]) {
    if (key !== CONSTRUCT) throw new TypeError('an AddressPolicy is made by this package only');
    this.#allowed = allowed;
    this.allowances = allowances;
  }

  /** Checks one IP address (v4 or v6, no brackets). Anything that is not an IP is refused. */
  check(address: string): AddressCheck {
    const ip = unbracket(address);
    const version = isIP(ip);
    if (version === 0) return { ok: false, reason: `'${address}' is not an IP address` };
    const family: Family = version === 4 ? 'ipv4' : 'ipv6';
    if (this.#allowed.check(ip, family)) return { ok: true };
    for (const range of NAMED) {
      // BlockList matches an IPv4 address against an IPv6 rule through its mapped form, so
      // ::ffff:0:0/96 would match every IPv4 address: IPv6 rules are for IPv6 addresses only.
      if (range.family === 'ipv6' && family === 'ipv4') continue;
      if (range.list.check(ip, family)) return { ok: false, reason: `${ip} is ${range.name}` };
    }
    if (family === 'ipv6' && !GLOBAL_UNICAST_V6.check(ip, 'ipv6')) {
      return { ok: false, reason: `${ip} is outside 2000::/3, the global unicast IPv6 space` };
    }
    return { ok: true };
  }
}

/**
 * The standard policy plus these exact addresses. Only `@taskflow/outbound/testing` exports it
 * (as `allowForTests`); the package's main entry does not, so service code cannot reach it
 * without importing the testing entry, which a test of this package forbids outside tests.
 */
export function policyAllowing(addresses: readonly string[]): AddressPolicy {
  const allowed = new BlockList();
  for (const address of addresses) {
    const ip = unbracket(address);
    const version = isIP(ip);
    // Exact addresses only: a name would be allowed by its text, which is what the policy
    // exists not to trust, and a range would allow more than the test's own receiver.
    if (version === 0) throw new TypeError(`allowForTests takes IP addresses, not '${address}'`);
    allowed.addAddress(ip, version === 4 ? 'ipv4' : 'ipv6');
  }
  return new AddressPolicy(CONSTRUCT, allowed, addresses.map(unbracket));
}

/** Checks one IP address against the standard policy. */
export const checkAddress = (address: string): AddressCheck =>
  AddressPolicy.standard.check(address);
