/**
 * `lixiao login --sso`: a browser hand-off to a one-shot listener on this machine. The
 * provider's start URL gets `return=http://127.0.0.1:<port>/lixiao-sso`; the server accepts
 * only such loopback addresses, keeps it in its encrypted flow cookie and, after the provider,
 * redirects the browser there with `?sso_code=…`, which is traded with completeSsoSignIn.
 */
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignInProvider } from '../client.js';
import { LixiaoError } from '../errors.js';
import type { Session } from '../session.js';
import type { Context } from './context.js';
import { DataError, UsageError } from './errors.js';

const RETURN_PATH = '/lixiao-sso';

export type ProviderKind = 'oidc' | 'cas';

export interface SsoOptions {
  provider?: ProviderKind;
  /** Open the system browser (false: only print the URL). */
  open: boolean;
  timeoutMinutes: number;
}

export async function signInThroughProvider(context: Context, options: SsoOptions): Promise<Session> {
  const { t, io, client } = context;
  const provider = chooseProvider(context, await client.signInProviders(), options.provider);
  const listener = await listenOnce();
  try {
    const start = new URL(provider.startUrl);
    start.searchParams.set('return', `http://127.0.0.1:${listener.port}${RETURN_PATH}`);
    io.stderr(t.ssoOpen(start.href));
    if (options.open) openBrowser(start.href);
    const arrival = await listener.code(options.timeoutMinutes * 60_000, () => new LixiaoError('TIMEOUT', t.ssoTimeout(options.timeoutMinutes)));
    try {
      const session = await client.completeSsoSignIn(arrival.code);
      answerBrowser(arrival.res, 200, t.ssoPageDone);
      return session;
    } catch (error) {
      answerBrowser(arrival.res, 403, error instanceof Error ? error.message : String(error));
      throw error;
    }
  } finally {
    await listener.close();
  }
}

function chooseProvider(context: Context, providers: SignInProvider[], wanted: ProviderKind | undefined): SignInProvider {
  const { t } = context;
  const kinds = providers.map((provider) => provider.kind.toLowerCase()).join(', ');
  if (providers.length === 0) throw new DataError(t.ssoNone);
  if (wanted) {
    const provider = providers.find((candidate) => candidate.kind.toLowerCase() === wanted);
    if (!provider) throw new DataError(t.ssoNotOffered(wanted, kinds));
    return provider;
  }
  if (providers.length > 1) throw new UsageError(t.ssoChoose(kinds));
  return providers[0]!;
}

interface Arrival {
  code: string;
  res: ServerResponse;
}

/** An HTTP listener on 127.0.0.1 (random port) that takes the first `GET /lixiao-sso?sso_code=…` and nothing else. */
async function listenOnce() {
  let deliver: (arrival: Arrival) => void = () => {};
  const arrived = new Promise<Arrival>((resolve) => (deliver = resolve));
  let taken = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const code = url.searchParams.get('sso_code');
    if (req.method !== 'GET' || url.pathname !== RETURN_PATH || !code || taken) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    taken = true;
    deliver({ code, res });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    async code(ms: number, timeoutError: () => Error): Promise<Arrival> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms);
      });
      try {
        return await Promise.race([arrived, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function answerBrowser(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Lixiao 离校</title><p>${escapeHtml(message)}</p>`);
}

/** The system's URL opener; when there is none (a server over SSH) the printed URL is the way. */
function openBrowser(url: string) {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // The URL is printed already.
  }
}
