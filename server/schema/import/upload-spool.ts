import { Busboy } from '@fastify/busboy';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGraphQLError } from '@graphql-tools/utils';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

/**
 * Multipart uploads (GraphQL multipart request spec) parsed as they arrive, each file written
 * to a temporary directory instead of memory: the resolver gets a File backed by that file and
 * reads it as a stream, so a 200,000-row import costs the server its rows, not its bytes twice
 * over. The directory goes when the response has been produced. Yoga's own parser, which this
 * replaces for multipart requests, holds every file in memory.
 */
export function useSpooledUploads(limits: { maxUploadBytes: number; maxFieldBytes: number }): Plugin {
  const cleanups = new WeakMap<Request, () => Promise<void>>();
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      const req = (serverContext as { req?: IncomingMessage }).req;
      if (!req || request.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) return;
      setRequestParser(async () => {
        const spool = new Spool();
        cleanups.set(request, () => spool.remove());
        return readMultipart(req, spool, limits);
      });
    },
    onResponse({ request }) {
      const cleanup = cleanups.get(request);
      if (!cleanup) return;
      cleanups.delete(request);
      return cleanup().catch(() => undefined);
    },
  };
}

/** A request's temporary directory, made when its first file arrives. */
class Spool {
  private directory: Promise<string> | null = null;
  private count = 0;

  path(): Promise<string> {
    const index = this.count++;
    this.directory ??= mkdtemp(join(tmpdir(), 'lixiao-upload-'));
    return this.directory.then((directory) => join(directory, String(index)));
  }

  async remove(): Promise<void> {
    if (this.directory) await rm(await this.directory, { recursive: true, force: true });
  }
}

const MAX_FILES = 4;
const MAX_FIELDS = 8;

function requestError(message: string, status = 400) {
  return createGraphQLError(message, { extensions: { http: { status } } });
}

async function readMultipart(req: IncomingMessage, spool: Spool, limits: { maxUploadBytes: number; maxFieldBytes: number }): Promise<GraphQLParams> {
  const fields = new Map<string, string>();
  const files = new Map<string, Promise<File>>();
  let tooLarge = false;
  await new Promise<void>((resolve, reject) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: req.headers as Parameters<typeof Busboy>[0]['headers'],
        limits: { fileSize: limits.maxUploadBytes, fieldSize: limits.maxFieldBytes, files: MAX_FILES, fields: MAX_FIELDS },
      });
    } catch {
      return reject(requestError('Malformed multipart request'));
    }
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) tooLarge = true;
      else fields.set(name, value);
    });
    parser.on('file', (name, stream, filename, _encoding, mimeType) => {
      const written = spool.path().then(async (path) => {
        await pipeline(stream, createWriteStream(path));
        if (stream.truncated) tooLarge = true;
        return new File([await openAsBlob(path)], filename, { type: mimeType });
      });
      written.catch(() => undefined);
      files.set(name, written);
    });
    parser.on('error', () => reject(requestError('Malformed multipart request')));
    parser.on('finish', resolve);
    req.on('aborted', () => reject(requestError('Upload aborted')));
    req.pipe(parser);
  });
  const ready = new Map<string, File>();
  for (const [name, file] of files) ready.set(name, await file);
  if (tooLarge) throw requestError('Request body too large / 请求体过大', 413);
  return operationsWithFiles(fields, ready);
}

/** The spec's `operations` with each file put where `map` says; the same messages as yoga's parser. */
function operationsWithFiles(fields: Map<string, string>, files: Map<string, File>): GraphQLParams {
  const operationsText = fields.get('operations');
  if (!operationsText) throw requestError('Missing multipart form field "operations"');
  let operations: GraphQLParams;
  try {
    operations = JSON.parse(operationsText);
  } catch {
    throw requestError('Multipart form field "operations" must be a valid JSON string');
  }
  const mapText = fields.get('map');
  if (mapText === undefined) return operations;
  let map: Record<string, unknown>;
  try {
    map = JSON.parse(mapText);
  } catch {
    throw requestError('Multipart form field "map" must be a valid JSON string');
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw requestError('Multipart form field "map" must be an object');
  for (const [fileName, paths] of Object.entries(map)) {
    if (!Array.isArray(paths)) throw requestError('Multipart form field "map" must list paths');
    for (const path of paths) {
      if (typeof path !== 'string') throw requestError('Multipart form field "map" must list paths');
      setPath(operations, path, files.get(fileName));
    }
  }
  return operations;
}

/** Sets `variables.file` or `variables.files.0` on the operations, refusing paths that leave plain objects. */
function setPath(target: unknown, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const [index, key] of keys.entries()) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw requestError(`Invalid multipart map path "${path}"`);
    if (typeof node !== 'object' || node === null) throw requestError(`Invalid multipart map path "${path}"`);
    if (index === keys.length - 1) node[key] = value;
    else node = node[key] as Record<string, unknown>;
  }
}
