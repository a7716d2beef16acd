/**
 * The SDK as its users get it: `npm pack` (prepack runs codegen and the build), installed from the
 * tarball into an empty project, compiled by a strict consumer, run against a real server, and bundled
 * for the browser.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/testing/server.js';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(sdk, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** The browser bundle of `createClient` may not grow past this (minified, not compressed). */
const BROWSER_BUDGET_BYTES = 35 * 1024;

/**
 * What a fresh clone holds (tracked files, no generated code, no build) with the repository's installed
 * node_modules: `npm pack` there must generate and build everything itself, and the tests that run this
 * checkout's dist/ meanwhile are left alone.
 */
function freshClone(work: string): string {
  const clone = join(work, 'clone');
  const tracked = execFileSync('git', ['ls-files', '-z', 'package.json', 'tsconfig.json', 'codegen.ts', 'schema.graphql', 'sdk'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of tracked) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(repo, file), join(clone, file));
  }
  symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'), 'dir');
  return clone;
}

const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

/** tsc's diagnostics for a project, '' when it compiles. */
function compile(project: string): string {
  try {
    return execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

const STRICT = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  // The SDK's declarations and its dependencies' are checked too.
  skipLibCheck: false,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
};

/** What a script author writes: typed documents, the pagination helper, typed error codes. */
const CONSUMER = `
import { createClient, LixiaoError, ReviewQueueDocument, type LixiaoErrorCode, type ReviewQueueItem } from '@lixiao/sdk';

const client = createClient({ url: process.env.LIXIAO_URL ?? 'http://localhost:4000/graphql', locale: 'en' });

function describe(error: unknown): LixiaoErrorCode | 'OTHER' {
  if (!(error instanceof LixiaoError)) return 'OTHER';
  // @ts-expect-error a misspelt code does not compile
  if (error.code === 'TOKEN_EXPRIED') return 'OTHER';
  return error.code;
}

let refused: LixiaoErrorCode | 'OTHER' = 'OTHER';
try {
  await client.login('library', 'wrong password');
} catch (error) {
  refused = describe(error);
}
await client.login('library', 'Lixiao@2020');
const first = await client.request(ReviewQueueDocument, { first: 5 });
const items: ReviewQueueItem[] = [];
for await (const item of client.reviewQueueItems({ first: 100, filter: { status: ['PENDING'] } })) items.push(item);
const aborted = new AbortController();
aborted.abort();
const abortedCode = await client.reviewQueue({}, { signal: aborted.signal }).then(() => 'none', describe);
console.log(JSON.stringify({ refused, total: first.reviewQueue.counts.pending, listed: items.length, abortedCode }));
await client.dispose();
`;

describe('the packed SDK', () => {
  let work: string;
  let project: string;
  let files: string[];
  let server: TestServer;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'lixiao-pack-'));
    const clone = freshClone(work);
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], join(clone, 'sdk'))) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((file) => file.path);
    project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // The SDK's dependencies come from npm's cache when it has them (the registry otherwise).
    npm(['install', '--prefer-offline', join(work, packed[0]!.filename)], project);
    server = await startTestServer({ demo: true });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the build, the schema and the operations; its source maps carry their sources; ws is an optional peer', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli.js',
        'dist/schema.graphql',
        'dist/operations/review.graphql',
        'dist/generated/persisted-documents.json',
      ]),
    );
    expect(files.filter((file) => file.startsWith('src/'))).toEqual([]);
    const installed = join(project, 'node_modules/@lixiao/sdk');
    const maps = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(5);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(installed, 'dist', map), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      expect(sourcesContent?.length, map).toBe(sources.length);
    }
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(manifest.dependencies).not.toHaveProperty('ws');
    expect(manifest.peerDependenciesMeta?.ws).toEqual({ optional: true });
    expect(readdirSync(join(project, 'node_modules'))).not.toContain('ws');
    // graphql is the consumer's (one copy with urql or Apollo Client); npm installs the peer when nothing else does.
    expect(manifest.dependencies).not.toHaveProperty('graphql');
    expect(manifest.peerDependencies?.graphql).toBe('^16.8.0');
    expect(readdirSync(join(project, 'node_modules'))).toContain('graphql');
  });

  it('compiles a strict consumer (DOM lib, or Node types without it) and runs it against a real server', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      CONSUMER.replace('\nconst client', 'declare const process: { env: Record<string, string | undefined> };\n\nconst client'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...STRICT, lib: ['ES2023', 'DOM'], types: [], outDir: 'out' }, files: ['consumer.ts'] }),
    );
    expect(compile(project)).toBe('');

    // A Node project without the DOM lib gets fetch, AbortSignal and streams from @types/node.
    mkdirSync(join(project, 'node-only'));
    writeFileSync(join(project, 'node-only/consumer.ts'), CONSUMER);
    writeFileSync(
      join(project, 'node-only/tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...STRICT, lib: ['ES2023'], types: ['node'], typeRoots: [join(repo, 'node_modules/@types')], noEmit: true },
        files: ['consumer.ts'],
      }),
    );
    expect(compile(join(project, 'node-only'))).toBe('');

    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(project, 'out/consumer.js')],
        { cwd: project, env: { ...process.env, LIXIAO_URL: server.url }, timeout: 30_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const result = JSON.parse(output) as { refused: string; total: number; listed: number; abortedCode: string };
    expect(result.refused).toBe('INVALID_CREDENTIALS');
    expect(result.abortedCode).toBe('ABORTED');
    expect(result.total).toBeGreaterThan(100);
    expect(result.listed).toBe(result.total);

    // The installed bin works without the optional ws (HTTP commands need none).
    const lixiao = join(project, 'node_modules/.bin/lixiao');
    // Asynchronously: the server answers from this process.
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          lixiao,
          ['--url', server.url, ...args],
          { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: project }, encoding: 'utf8', timeout: 30_000 },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        ),
      );
    expect((await run(['--version'])).trim()).toBe('0.1.0');
    await run(['login', 'library', '--password', 'Lixiao@2020']);
    const listed = JSON.parse(await run(['review', 'list', '--json'])) as { total: number };
    expect(listed.total).toBe(result.total);
  });

  it('bundles the client for the browser without Node built-ins, within the size budget', async () => {
    writeFileSync(join(project, 'browser.js'), "import { createClient, LixiaoError } from '@lixiao/sdk';\nexport { createClient, LixiaoError };\n");
    // As Vite and other bundlers do: dynamic imports become chunks of their own, loaded when first needed.
    const result = await build({
      entryPoints: [join(project, 'browser.js')],
      absWorkingDir: project,
      outdir: join(project, 'bundle'),
      bundle: true,
      splitting: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith('node:') || /(^|\/)(ws|node-fetch)\//.test(input))).toEqual([]);
    const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
    const [entryFile, entry] = outputs.find(([, output]) => output.entryPoint !== undefined)!;
    // The client's own operations travel as text: neither their syntax trees nor the GraphQL printer load up front.
    const upFront = Object.keys(entry.inputs);
    expect(upFront.filter((input) => /generated\/graphql\.js$|graphql\/language\/printer/.test(input))).toEqual([]);
    const lazy = outputs.filter(([file]) => file !== entryFile).reduce((sum, [, output]) => sum + output.bytes, 0);
    console.info(
      `browser bundle of createClient: ${(entry.bytes / 1024).toFixed(1)} KiB minified up front (budget ${BROWSER_BUDGET_BYTES / 1024} KiB); ` +
        `${(lazy / 1024).toFixed(1)} KiB more (GraphQL's printer) only for documents given as syntax trees`,
    );
    expect(entry.bytes).toBeLessThanOrEqual(BROWSER_BUDGET_BYTES);
  });
});
