import { describe, expect, it } from 'vitest';
import { clientAddress } from './auth/client-address.js';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('defaults to the embedded database on port 4000 with demo data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, databaseUrl: null, dataDir: './data/pglite', demoData: true, production: false });
  });

  it('turns demo data off by flag and by default in production', () => {
    expect(loadConfig({ DEMO_DATA: 'off' }).demoData).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).demoData).toBe(false);
  });

  it('requires a shared token key in production, and a long one anywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/至少32个字符/);
    expect(loadConfig({}).jwtSecret).toHaveLength(64);
  });

  it('takes PASSWORD_PEPPER of at least 32 characters, and none by default (the key file stands in, outside production)', () => {
    expect(loadConfig({}).passwordPepper).toBeNull();
    expect(loadConfig({ PASSWORD_PEPPER: 'p'.repeat(32) }).passwordPepper).toBe('p'.repeat(32));
    expect(() => loadConfig({ PASSWORD_PEPPER: 'p'.repeat(31) })).toThrow(/PASSWORD_PEPPER: at least 32 characters/);
  });

  it('lists every bad value at once, in Chinese and English', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DEMO_DATA: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT="eighty".*整数/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
  });

  it('never prints a secret or a connection string it refuses', () => {
    let problems: string[] = [];
    try {
      loadConfig({ DATABASE_URL: 'mysql://lixiao:hunter2@db', JWT_SECRET: 'hunter2', REDIS_URL: 'http://:hunter2@cache' });
    } catch (caught) {
      problems = (caught as ConfigError).problems;
    }
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('takes only switch words as a switch, not names every object has', () => {
    expect(() => loadConfig({ DEMO_DATA: 'constructor' })).toThrow(/DEMO_DATA="constructor"/);
    expect(() => loadConfig({ LOCAL_LOGIN: 'students:toString' })).toThrow(/LOCAL_LOGIN=/);
  });
});

describe('TRUST_PROXY: the client is the address the nearest untrusted hop connected from', () => {
  const trust = (raw: string) => loadConfig({ TRUST_PROXY: raw }).trustProxy;

  it('ignores X-Forwarded-For unless a proxy is trusted', () => {
    expect(clientAddress('::ffff:127.0.0.1', '198.51.100.9', trust('off'))).toBe('127.0.0.1');
    expect(loadConfig({}).trustProxy).toEqual({ kind: 'none' });
  });

  it('with one trusted proxy takes the right-most entry, never the client-written left-most', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7', trust('on'))).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', ['6.6.6.6', '203.0.113.7'], trust('1'))).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', undefined, trust('on'))).toBe('127.0.0.1');
  });

  it('with a hop count skips that many proxies, stopping at an entry that is not an address', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.2', trust('2'))).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '203.0.113.7', trust('3'))).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', 'evil, 10.0.0.2', trust('3'))).toBe('10.0.0.2');
    expect(clientAddress('127.0.0.1', '[2001:db8::1]:443, 198.51.100.4:5000', trust('2'))).toBe('2001:db8::1');
  });

  it('with a proxy list walks left while the hop is one of the proxies', () => {
    const proxies = trust('loopback, 10.0.0.0/8, 2001:db8:ffff::1');
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7, 10.1.2.3', proxies)).toBe('203.0.113.7');
    expect(clientAddress('::1', '203.0.113.7, 2001:db8:ffff::1', proxies)).toBe('203.0.113.7');
    // A peer that is not a proxy connected directly: whatever it forwards is its own claim.
    expect(clientAddress('198.51.100.4', '6.6.6.6', proxies)).toBe('198.51.100.4');
  });

  it('refuses values that are neither a switch, a hop count nor addresses', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY="maybe".*not an IP address/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/40' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '99' })).toThrow(/at most 10 hops/);
  });
});
