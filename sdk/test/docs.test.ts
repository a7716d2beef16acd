/**
 * The documentation's code: sdk/README.md's TypeScript blocks and sdk/examples/ compile (urql and Apollo
 * Client with the generated documents included); the Node script runs against a real server; the browser
 * snippet runs in Chromium, from an allowed origin and from one the server does not list in CORS_ORIGINS.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { sdk } from './built-cli.js';

const repo = join(sdk, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((path) => existsSync(path));

/** Each ```ts block of the README as a module of its own (the examples' tsconfig includes them). */
function writeReadmeBlocks(): number {
  const dir = join(sdk, 'test', 'readme-blocks');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const blocks = [...readFileSync(join(sdk, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  blocks.forEach((code, index) => writeFileSync(join(dir, `block-${index + 1}.ts`), `${code}\nexport {};\n`));
  return blocks.length;
}

describe('the documentation', () => {
  let server: TestServer;
  let page: Server;
  let pagePort: number;

  beforeAll(async () => {
    // The page server first: the API allows its 127.0.0.1 origin only (localhost is another origin).
    const bundle = await build({
      entryPoints: [join(sdk, 'examples', 'browser.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      alias: { '@lixiao/sdk': join(sdk, 'src', 'index.ts') },
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    page = createServer((request, response) => {
      if (request.url?.startsWith('/app.js')) {
        response.writeHead(200, { 'content-type': 'text/javascript' });
        return response.end(script);
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><pre id="out">pending</pre><script type="module">import { showPending } from './app.js';` +
          `const q = new URLSearchParams(location.search); showPending(q.get('api'), 'library', 'Lixiao@2020', document.getElementById('out'));</script>`,
      );
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pagePort = (page.address() as AddressInfo).port;
    server = await startTestServer({ demo: true, env: { CORS_ORIGINS: `http://127.0.0.1:${pagePort}` } });
  });
  afterAll(async () => {
    await new Promise((resolve) => page?.close(resolve));
    await server?.close();
    rmSync(join(sdk, 'test', 'readme-blocks'), { recursive: true, force: true });
  });

  it("compiles the README's TypeScript blocks and the examples (Node script, browser, urql, Apollo Client)", () => {
    expect(writeReadmeBlocks()).toBeGreaterThanOrEqual(5);
    let output = '';
    try {
      output = execFileSync(process.execPath, [tsc, '-p', join(sdk, 'examples', 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  });

  it('runs the Node script against a real server', async () => {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(repo, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', join(sdk, 'examples', 'tsconfig.json'), join(sdk, 'examples', 'node-script.ts')],
        { env: { ...process.env, LIXIAO_URL: server.url, LIXIAO_USER: 'library', LIXIAO_PASSWORD: 'Lixiao@2020', COLLEGE: 'EARTH_SCIENCES' }, timeout: 60_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const result = JSON.parse(output) as { approved: number; failed: number };
    expect(result.approved).toBeGreaterThan(0);
    expect(result.failed).toBe(0);
  });

  it.skipIf(!CHROMIUM)(
    'runs the browser snippet in Chromium: allowed origin works, another origin gets NETWORK_ERROR naming CORS_ORIGINS',
    async () => {
      const visit = (origin: string) =>
        new Promise<{ ok: boolean; code?: string; message?: string; pending?: number }>((resolve, reject) =>
          execFile(
            CHROMIUM!,
            ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=15000', '--dump-dom', `${origin}/?api=${encodeURIComponent(server.url)}`],
            { timeout: 60_000 },
            (error, stdout) => {
              const text = /<pre id="out">([\s\S]*?)<\/pre>/.exec(stdout)?.[1];
              if (!text || text === 'pending') return reject(new Error(`no result: ${error?.message ?? ''} ${stdout.slice(0, 500)}`));
              resolve(JSON.parse(text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>')));
            },
          ),
        );
      const allowed = await visit(`http://127.0.0.1:${pagePort}`);
      expect(allowed).toMatchObject({ ok: true });
      expect(allowed.pending).toBeGreaterThan(0);

      const refused = await visit(`http://localhost:${pagePort}`);
      expect(refused).toMatchObject({ ok: false, code: 'NETWORK_ERROR' });
      expect(refused.message).toContain(`CORS_ORIGINS=http://localhost:${pagePort}`);
    },
    120_000,
  );
});
