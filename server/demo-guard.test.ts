import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

/** The demo data has staff accounts whose password the README publishes. */
describe('demo data is never loaded where other machines can log in with the demo password, unless asked for', () => {
  it('loads it by default on a loopback HOST only', () => {
    for (const HOST of [undefined, '127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(loadConfig({ HOST }).demoData, HOST).toBe(true);
    for (const HOST of ['0.0.0.0', '::', '192.168.1.20', 'lixiao.example.edu.cn']) expect(loadConfig({ HOST }).demoData, HOST).toBe(false);
  });

  it('loads it on any HOST when DEMO_DATA=on is explicit, and never when it is off', () => {
    expect(loadConfig({ HOST: '0.0.0.0', DEMO_DATA: 'on' }).demoData).toBe(true);
    expect(loadConfig({ HOST: '127.0.0.1', DEMO_DATA: 'off' }).demoData).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), HOST: '127.0.0.1' }).demoData).toBe(false);
  });
});
