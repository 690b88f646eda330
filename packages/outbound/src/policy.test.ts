import { describe, expect, it } from 'vitest';
import { AddressPolicy, checkAddress } from './policy.ts';
import { allowForTests } from './testing.ts';

/** Each refused address, with a word its reason must name. */
const REFUSED: [address: string, named: RegExp][] = [
  ['127.0.0.1', /loopback/],
  ['127.255.255.254', /loopback/],
  ['::1', /loopback/],
  ['[::1]', /loopback/],
  ['0.0.0.0', /unspecified/],
  ['0.1.2.3', /unspecified/],
  ['::', /unspecified/],
  ['10.0.0.1', /private/],
  ['10.255.255.255', /private/],
  ['172.16.0.1', /private/],
  ['172.31.255.254', /private/],
  ['192.168.1.1', /private/],
  ['169.254.169.254', /link-local.*metadata/],
  ['169.254.0.1', /link-local/],
  ['100.64.0.1', /CGNAT/],
  ['100.100.100.200', /CGNAT/], // Alibaba Cloud's metadata address
  ['100.127.255.254', /CGNAT/],
  ['192.0.0.1', /IETF/],
  ['192.0.2.10', /documentation/],
  ['198.18.0.1', /benchmarking/],
  ['198.51.100.7', /documentation/],
  ['203.0.113.9', /documentation/],
  ['224.0.0.251', /multicast/],
  ['239.255.255.250', /multicast/],
  ['255.255.255.255', /broadcast/],
  ['240.0.0.1', /reserved/],
  ['168.63.129.16', /Azure/],
  // IPv4-mapped IPv6, in both spellings, of refused IPv4 addresses: named as the IPv4 one.
  ['::ffff:127.0.0.1', /loopback/],
  ['::ffff:7f00:1', /loopback/],
  ['[::ffff:169.254.169.254]', /link-local/],
  ['::ffff:10.0.0.1', /private/],
  // ... and of a public one: never the way to reach a public IPv4 address.
  ['::ffff:8.8.8.8', /IPv4-mapped/],
  ['::127.0.0.1', /IPv4-compatible/],
  ['64:ff9b::7f00:1', /NAT64/],
  ['64:ff9b::a00:1', /NAT64/],
  ['64:ff9b:1::1', /NAT64/],
  ['2002:7f00:1::', /6to4/],
  ['2001::1', /Teredo/],
  ['2001:db8::1', /documentation/],
  ['3fff::1', /documentation/],
  ['100::1', /discard/],
  ['fc00::1', /unique local/],
  ['fd00::1', /unique local/],
  ['[fd00::1]', /unique local/],
  ['fd00:ec2::254', /unique local/], // AWS's IPv6 metadata address
  ['fe80::1', /link-local/],
  ['febf::1', /link-local/],
  ['fec0::1', /site-local/],
  ['ff02::1', /multicast/],
  ['4000::1', /outside 2000::\/3/],
  ['e000::1', /outside 2000::\/3/],
  ['localhost', /not an IP address/],
  ['example.com', /not an IP address/],
  ['', /not an IP address/],
];

const ALLOWED = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '172.15.255.255', // just below 172.16.0.0/12
  '172.32.0.0', // just above it
  '100.63.255.255', // just below 100.64.0.0/10
  '100.128.0.0', // just above it
  '169.253.255.255',
  '11.0.0.1',
  '223.255.255.254', // just below multicast
  '2606:4700:4700::1111',
  '2a00:1450:4001:82b::200e',
  '[2001:4860:4860::8888]',
  '2001:200::1', // just above 2001::/23
];

describe('the standard address policy', () => {
  it.each(REFUSED)('refuses %s', (address, named) => {
    const verdict = checkAddress(address);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toMatch(named);
  });

  it.each(ALLOWED)('allows %s', (address) => {
    expect(checkAddress(address)).toEqual({ ok: true });
  });

  it('is the policy used when none is given', () => {
    expect(AddressPolicy.standard.check('127.0.0.1')).toEqual(checkAddress('127.0.0.1'));
    expect(AddressPolicy.standard.allowances).toEqual([]);
  });

  it('cannot be constructed outside the package', () => {
    const Policy = AddressPolicy as unknown as new (...args: unknown[]) => AddressPolicy;
    expect(() => new Policy(Symbol('AddressPolicy'), null, [])).toThrow(/by this package only/);
  });
});

describe('allowForTests (the testing entry)', () => {
  it('allows exactly the addresses given, and nothing next to them', () => {
    const policy = allowForTests(['127.0.0.1', '[::1]']);
    expect(policy.check('127.0.0.1')).toEqual({ ok: true });
    expect(policy.check('::ffff:127.0.0.1')).toEqual({ ok: true }); // the same address
    expect(policy.check('::1')).toEqual({ ok: true });
    expect(policy.check('127.0.0.2')).toMatchObject({ ok: false });
    expect(policy.check('10.0.0.1')).toMatchObject({ ok: false });
    expect(policy.check('169.254.169.254')).toMatchObject({ ok: false });
    expect(policy.allowances).toEqual(['127.0.0.1', '::1']);
  });

  it('takes IP addresses only, not names or ranges', () => {
    expect(() => allowForTests(['localhost'])).toThrow(/IP addresses, not 'localhost'/);
    expect(() => allowForTests(['127.0.0.0/8'])).toThrow(/IP addresses/);
  });

  it('leaves the standard policy as it was', () => {
    allowForTests(['127.0.0.1']);
    expect(checkAddress('127.0.0.1')).toMatchObject({ ok: false });
  });
});
