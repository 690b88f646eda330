import { describe, expect, it } from 'vitest';
import { allowForTests } from './testing.ts';
import { checkUrl, MAX_URL_LENGTH } from './url.ts';

const refused = (url: string, options = {}) => {
  const check = checkUrl(url, options);
  return check.ok ? 'allowed' : check.code;
};

describe('checkUrl', () => {
  it.each([
    // [url, allowHttp, code]
    ['https://hooks.example.com/taskflow', false, 'allowed'],
    ['https://hooks.example.com:8443/x?y=1', false, 'allowed'],
    ['https://8.8.8.8/', false, 'allowed'],
    ['https://[2606:4700:4700::1111]/', false, 'allowed'],
    ['http://hooks.example.com/', false, 'scheme'],
    ['http://hooks.example.com/', true, 'allowed'],
    ['ftp://hooks.example.com/', true, 'scheme'],
    ['file:///etc/passwd', true, 'scheme'],
    ['gopher://hooks.example.com:70/', true, 'scheme'],
    ['javascript:alert(1)', true, 'scheme'],
    ['not a url', false, 'invalid_url'],
    ['/relative/path', false, 'invalid_url'],
    ['https://user:secret@hooks.example.com/', false, 'credentials'],
    ['https://user@hooks.example.com/', false, 'credentials'],
    ['https://hooks.example.com:22/', false, 'port'],
    ['https://hooks.example.com:25/', false, 'port'],
    ['https://hooks.example.com:587/', false, 'port'],
    ['https://hooks.example.com:6667/', false, 'port'],
    ['https://hooks.example.com:10080/', false, 'port'],
    ['https://hooks.example.com:80/', false, 'allowed'],
    ['https://hooks.example.com:1024/', false, 'allowed'],
    ['https://127.0.0.1/', false, 'forbidden_address'],
    ['http://127.0.0.1:8080/', true, 'forbidden_address'],
    ['https://[::1]/', false, 'forbidden_address'],
    ['https://[::ffff:127.0.0.1]/', false, 'forbidden_address'],
    ['https://[fd00::1]/', false, 'forbidden_address'],
    ['https://169.254.169.254/latest/meta-data/', false, 'forbidden_address'],
    ['https://0.0.0.0/', false, 'forbidden_address'],
    // Other spellings of 127.0.0.1, which the URL parser turns into dotted form first.
    ['https://2130706433/', false, 'forbidden_address'],
    ['https://0x7f.1/', false, 'forbidden_address'],
    ['https://127.1/', false, 'forbidden_address'],
    ['https://0177.0.0.1/', false, 'forbidden_address'],
    // A name is checked by what it resolves to (deliver, checkDestination), not here.
    ['https://localhost/', false, 'allowed'],
  ])('%s (allowHttp %s): %s', (url, allowHttp, code) => {
    expect(refused(url, { allowHttp })).toBe(code);
  });

  it('says why in words', () => {
    expect(checkUrl('http://hooks.example.com/')).toMatchObject({
      reason: 'the URL must be https:, not http:',
    });
    expect(checkUrl('https://10.1.2.3/')).toMatchObject({
      reason: '10.1.2.3 is private (RFC 1918), 10.0.0.0/8',
    });
    expect(checkUrl('https://x.example.com:25/')).toMatchObject({
      reason: 'port 25 is not allowed (80, 443, or 1024 and above)',
    });
  });

  it('refuses a URL longer than MAX_URL_LENGTH', () => {
    expect(refused(`https://hooks.example.com/${'a'.repeat(MAX_URL_LENGTH)}`)).toBe('invalid_url');
  });

  it('returns the parsed host (unbracketed) and port', () => {
    expect(checkUrl('https://[2606:4700:4700::1111]:8443/a')).toMatchObject({
      ok: true,
      host: '2606:4700:4700::1111',
      port: 8443,
      literal: true,
    });
    expect(checkUrl('http://hooks.example.com/', { allowHttp: true })).toMatchObject({
      host: 'hooks.example.com',
      port: 80,
      literal: false,
    });
  });

  it('allows a test allowance address only under that policy', () => {
    const policy = allowForTests(['127.0.0.1']);
    expect(refused('http://127.0.0.1:8080/', { allowHttp: true, policy })).toBe('allowed');
    expect(refused('http://127.0.0.2:8080/', { allowHttp: true, policy })).toBe(
      'forbidden_address',
    );
  });
});
