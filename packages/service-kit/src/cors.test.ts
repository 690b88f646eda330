import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from './config.ts';
import { corsAllowedOrigins, originAllowed } from './cors.ts';

const schema = z.object({ CORS_ALLOWED_ORIGINS: corsAllowedOrigins });
const parse = (value?: string) =>
  loadConfig('test', schema, value === undefined ? {} : { CORS_ALLOWED_ORIGINS: value })
    .CORS_ALLOWED_ORIGINS;

describe('CORS_ALLOWED_ORIGINS', () => {
  it('is a comma-separated list of exact origins; unset or empty allows none', () => {
    expect(parse()).toEqual([]);
    expect(parse('')).toEqual([]);
    expect(parse(' https://app.example.com , http://127.0.0.1:5173,')).toEqual([
      'https://app.example.com',
      'http://127.0.0.1:5173',
    ]);
    expect(parse('*')).toEqual(['*']);
  });

  it('refuses what a browser never sends as Origin, saying what to write instead', () => {
    expect(() => parse('https://app.example.com/')).toThrowError(
      /CORS_ALLOWED_ORIGINS: "https:\/\/app.example.com\/" is not an origin as browsers send it: write https:\/\/app.example.com$/m,
    );
    expect(() => parse('https://App.Example.com')).toThrowError(/write https:\/\/app.example.com/);
    expect(() => parse('https://app.example.com:443')).toThrowError(
      /write https:\/\/app.example.com/,
    );
    expect(() => parse('https://app.example.com/page')).toThrowError(/not an origin/);
    expect(() => parse('app.example.com')).toThrowError(/is not an origin \(scheme/);
    expect(() => parse('ftp://files.example.com')).toThrowError(/must be http or https/);
    expect(() => parse('*, https://app.example.com')).toThrowError(
      /`\*` \(any origin\) stands alone/,
    );
  });
});

describe('originAllowed', () => {
  it('compares exactly; `*` allows every origin', () => {
    const list = ['https://app.example.com'];
    expect(originAllowed(list, 'https://app.example.com')).toBe(true);
    expect(originAllowed(list, 'http://app.example.com')).toBe(false);
    expect(originAllowed(list, 'https://app.example.com.evil.example')).toBe(false);
    expect(originAllowed(list, 'null')).toBe(false);
    expect(originAllowed([], 'https://app.example.com')).toBe(false);
    expect(originAllowed(['*'], 'https://anything.example')).toBe(true);
  });
});
