import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { processRegularResult, type GraphQLParams, type YogaServerInstance } from 'graphql-yoga';
import type { Context, ServerContext } from './context.js';

/**
 * The request nearly every client sends: `POST /graphql` with a JSON body, answered with JSON.
 * Yoga's fetch layer costs more than the rest of a small operation (a Request around the node
 * request, its body streamed through a size-limiting TransformStream into a second Request, a
 * Response, promise chains and hooks around each); this path skips it and runs the rest of
 * yoga itself: its params hooks (trusted documents, the params checks), envelop (parse,
 * validate, context, execute with every plugin: limits, masking, localization) and its JSON
 * result processor, which sets the status and headers. Answers are yoga's, byte for byte
 * (graphql-post.test.ts sends each request both ways).
 *
 * Everything else goes to yoga unchanged: other methods, paths and content types, accept
 * headers that yoga would not answer with JSON, CORS, and (after the body is read, which yoga is
 * then handed) bodies that are not one JSON object, and subscriptions (answered as streams).
 */
export interface DirectGraphQLPostOptions {
  yoga: YogaServerInstance<ServerContext, Context>;
  /** The same function yoga masks errors with: an error refused before execution is masked and logged like yoga's. */
  maskError: (error: unknown) => GraphQLError;
  /** The text of a trusted document a request names, to tell a subscription before running it. */
  documentText?: (params: GraphQLParams) => string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Null when the request is not one this path serves: hand it to yoga. */
export function directGraphQLPost({ yoga, maskError, documentText }: DirectGraphQLPostOptions): (req: IncomingMessage) => Handler | null {
  const handle = async (req: IncomingMessage, res: ServerResponse, mediaType: JsonMediaType) => {
    const body = await readBody(req);
    if (!body) return;
    const params = jsonObject(body);
    const query = params && (typeof params.query === 'string' ? params.query : documentText?.(params as GraphQLParams));
    // Yoga answers these itself (a batch, a body that is not an object, a subscription as a stream): it reads the body from here.
    if (!params || query?.includes('subscription')) return void yoga.requestListener(Object.assign(req, { body }), res);

    const request = new yoga.fetchAPI.Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
      method: 'POST',
      headers: req.headers as Record<string, string>,
    });
    const serverContext = { req, res, waitUntil: yoga.waitUntil } as ServerContext;
    let result: Parameters<typeof processRegularResult>[0];
    try {
      result = (await yoga.getResultForParams({ params: params as GraphQLParams, request }, serverContext)) ?? {};
    } catch (error) {
      // A params hook refused the request (missing query, unknown trusted document): yoga masks and answers it.
      const masked = maskError(error);
      if (masked !== error) yoga.logger.error(error);
      result = { errors: [masked] };
    }
    const response = processRegularResult(result, yoga.fetchAPI, mediaType);
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    res.writeHead(response.status, headers);
    res.end(await response.text());
  };

  return (req) => {
    if (req.method !== 'POST' || req.url !== GRAPHQL_PATH) return null;
    if (!JSON_CONTENT_TYPES.has(req.headers['content-type'] ?? '')) return null;
    // Zero bytes is not a JSON body; yoga says so.
    if (!/^[1-9]\d*$/.test(req.headers['content-length'] ?? '')) return null;
    const mediaType = jsonMediaTypeFor(req.headers.accept);
    return mediaType ? (_req, res) => handle(req, res, mediaType) : null;
  };
}

const GRAPHQL_PATH = '/graphql';

/** The content types yoga parses as JSON, as clients write them; yoga matches them case-sensitively too. */
const JSON_CONTENT_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

type JsonMediaType = 'application/graphql-response+json' | 'application/json';
const JSON_MEDIA_TYPES: JsonMediaType[] = ['application/graphql-response+json', 'application/json'];

/**
 * The media type yoga answers a single result with, following its negotiation (useResultProcessors):
 * accepted types in reverse order, the last match wins, and its JSON processor is tried after the
 * streaming ones, so it wins whenever it matches. Null when yoga would stream the answer or refuse it (406).
 */
export function jsonMediaTypeFor(accept: string | undefined): JsonMediaType | null {
  const asked: string[] = [];
  for (const entry of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (type !== undefined && charset === 'charset=utf-8') asked.push(type);
  }
  asked.reverse();
  let chosen: JsonMediaType | null = null;
  for (const type of asked) {
    for (const offered of JSON_MEDIA_TYPES) if (mediaTypeMatches(offered, type)) chosen = offered;
  }
  return chosen;
}

function mediaTypeMatches(offered: string, asked: string): boolean {
  const [offeredType, offeredSubtype] = offered.split('/');
  const [type, subtype] = asked.split('/');
  return (type === '*' || type === offeredType) && (subtype === '*' || subtype === offeredSubtype);
}

/** The body, or null when the client went away before sending all of it (then there is no one to answer). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', () => resolve(null));
    req.once('close', () => {
      if (!req.complete) resolve(null);
    });
  });
}

/** The body as one JSON object, as yoga would read it; null when it is anything else. */
function jsonObject(body: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
