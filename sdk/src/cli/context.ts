/** What every command gets: the client for the chosen server and token, the language, output helpers, errors. */
import { readFileSync } from 'node:fs';
import { createClient, type LixiaoClient } from '../client.js';
import { LixiaoError } from '../errors.js';
import { CohortsDocument } from '../generated/graphql.js';
import { DataError } from './errors.js';
import { readStoredToken, writeStoredToken } from './files.js';
import { MESSAGES, type Lang, type Messages } from './messages.js';

export const DEFAULT_URL = 'http://localhost:4000/graphql';
/** `watch stats` survives a server restart of about a minute (graphql-ws backoff: 0.25 s doubling, at most 10 s). */
const WATCH_RETRY_ATTEMPTS = 10;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The raw streams: downloads go to stdout as bytes, progress bars redraw on stderr when it is a terminal. */
  stdoutStream: NodeJS.WritableStream & { isTTY?: boolean };
  stderrStream: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  readPassword?: (prompt: string) => Promise<string>;
}

export interface GlobalOptions {
  url?: string;
  json?: boolean;
  lang?: string;
}

export interface Context {
  io: CliIo;
  t: Messages;
  lang: Lang;
  json: boolean;
  url: string;
  client: LixiaoClient;
  /** Whether a token came from LIXIAO_TOKEN (then nothing is stored). */
  envToken: string | null;
  /** The result as JSON (--json) or as text. */
  out(value: unknown, human: () => string): void;
  /** Fails with "not logged in" unless a token is at hand. */
  requireToken(): void;
  readFile(path: string): Uint8Array;
  /** NOT_FOUND of a cohort-scoped read, reworded to name what does not exist. */
  explainNotFound(error: unknown, year: number, college?: string): Promise<never>;
  dispose(): Promise<void>;
}

/** The language: --lang (anywhere in argv), else LC_ALL / LC_MESSAGES / LANG. */
export function languageOf(argv: readonly string[], env: NodeJS.ProcessEnv): { lang: Lang; invalid: string | null } {
  const fallback: Lang = /^zh/i.test(env.LC_ALL || env.LC_MESSAGES || env.LANG || '') ? 'zh' : 'en';
  const index = argv.findIndex((arg) => arg === '--lang' || arg.startsWith('--lang='));
  if (index < 0) return { lang: fallback, invalid: null };
  const value = argv[index]!.includes('=') ? argv[index]!.slice('--lang='.length) : argv[index + 1];
  return value === 'en' || value === 'zh' ? { lang: value, invalid: null } : { lang: fallback, invalid: value ?? '' };
}

/** `ws` when installed (an optional peer: it sends the handshake's Accept-Language), else Node 22+'s global WebSocket. */
async function webSocketImplementation(): Promise<unknown> {
  try {
    return (await import('ws')).default;
  } catch {
    return (globalThis as { WebSocket?: unknown }).WebSocket;
  }
}

export async function createContext(options: GlobalOptions, io: CliIo, lang: Lang, username?: string): Promise<Context> {
  const t = MESSAGES[lang];
  const json = options.json === true;
  const stored = readStoredToken(io.env);
  const url = options.url ?? io.env.LIXIAO_URL ?? stored?.url ?? DEFAULT_URL;
  const envToken = io.env.LIXIAO_TOKEN || null;
  const useStored = !envToken && stored && stored.url === url ? stored : null;
  const client = createClient({
    url,
    token: envToken ?? useStored?.accessToken ?? null,
    refreshToken: useStored?.refreshToken ?? null,
    locale: lang === 'zh' ? 'zh-CN' : 'en',
    webSocketImpl: await webSocketImplementation(),
    retryAttempts: WATCH_RETRY_ATTEMPTS,
    onTokens: (session) => {
      // Refresh tokens rotate: every new one replaces the stored one.
      if (!envToken) writeStoredToken(io.env, { url, username: useStored?.username ?? username, ...session });
    },
  });
  return {
    io,
    t,
    lang,
    json,
    url,
    client,
    envToken,
    out: (value, human) => io.stdout(json ? JSON.stringify(value, null, 2) : human()),
    requireToken() {
      if (!envToken && !useStored) throw new DataError(t.notLoggedIn);
    },
    readFile(path) {
      try {
        return new Uint8Array(readFileSync(path));
      } catch (error) {
        throw new DataError(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    },
    async explainNotFound(error, year, college) {
      if (!(error instanceof LixiaoError) || error.code !== 'NOT_FOUND') throw error;
      let cohortExists: boolean | null = null;
      try {
        cohortExists = (await client.request(CohortsDocument)).cohorts.some((cohort) => cohort.year === year);
      } catch {
        // Cannot tell which: say both.
      }
      const message = cohortExists === false || !college ? t.noCohortOrCollege(year, undefined) : t.noCohortOrCollege(year, college);
      throw new LixiaoError('NOT_FOUND', message, { status: error.status, response: error.response, errors: error.errors });
    },
    dispose: () => client.dispose(),
  };
}
