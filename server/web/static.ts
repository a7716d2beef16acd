import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build -w @lixiao/portal` writes the portal. */
export const PORTAL_DIST = fileURLToPath(new URL('../../portal/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/**
 * Everything the portal loads comes from this origin, and its API is this origin's /graphql
 * (HTTP and WebSocket): the policy makes a stray third-party reference fail loudly in the browser.
 * ECharts sets inline styles, hence 'unsafe-inline' for styles only.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | null;
  contentType: string;
  immutable: boolean;
}

/**
 * Serves the built portal: files by path, `index.html` for client routes (paths without an
 * extension), never the API's paths (the caller routes those first). Files are kept in memory
 * with their gzip form (the build is a few hundred KB); hashed assets never change, the other few
 * files are read again when a new build replaced them, so a rebuild needs no restart.
 */
export function createPortalHandler() {
  const dist = PORTAL_DIST;
  const cache = new Map<string, StaticFile & { modifiedAt: number }>();

  function load(relative: string): StaticFile | null {
    const cached = cache.get(relative);
    if (cached?.immutable) return cached;
    const path = join(dist, relative);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile()) return null;
    if (cached && cached.modifiedAt === stat.mtimeMs) return cached;
    const body = readFileSync(path);
    const extension = extname(path);
    const file = {
      body,
      gzipped: COMPRESSIBLE.has(extension) && body.length > 1024 ? gzipSync(body) : null,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      // Vite names built assets by content hash.
      immutable: relative.startsWith(`assets${sep}`),
      modifiedAt: stat.mtimeMs,
    };
    cache.set(relative, file);
    return file;
  }

  return function servePortal(req: IncomingMessage, res: ServerResponse): void {
    const relative = relativePath(req.url ?? '/');
    if (relative === null) {
      sendText(res, 400, 'Bad path / 路径无效');
      return;
    }
    const file = load(relative) ?? (extname(relative) === '' ? load('index.html') : null);
    if (!file) {
      if (extname(relative) === '') notBuilt(res);
      else sendText(res, 404, 'Not found / 未找到');
      return;
    }
    const gzip = file.gzipped !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzipped! : file.body;
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': body.length,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': PORTAL_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** The request path as a path inside the build, or null when it tries to leave it. */
function relativePath(url: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://portal.invalid').pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const relative = normalize(pathname).replace(/^[/\\]+/, '');
  if (relative.startsWith('..')) return null;
  return relative === '' ? 'index.html' : relative;
}

function notBuilt(res: ServerResponse) {
  res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': PORTAL_CSP });
  res.end(
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>离校 Lixiao</title>' +
      '<p>门户尚未构建：请运行 <code>npm run build -w @lixiao/portal</code>（<code>npm start</code> 会自动构建）。</p>' +
      '<p lang="en">The portal is not built: run <code>npm run build -w @lixiao/portal</code> (<code>npm start</code> builds it).</p>' +
      '<p><a href="/graphql">GraphiQL</a></p></html>',
  );
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
