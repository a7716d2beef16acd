import { describe, expect, it } from 'vitest';
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
});
