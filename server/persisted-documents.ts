/**
 * Trusted documents (TRUSTED_DOCUMENTS=on): only the operations the SDK ships,
 * by the sha256 hash codegen writes to sdk/src/generated/persisted-documents.json,
 * are executed. Requests send `{ "documentId": "sha256:<hash>" }` or
 * `extensions.persistedQuery` (`{ version: 1, sha256Hash }`); a query text is refused.
 * graphql-ws subscriptions carry the hash in `extensions.persistedQuery` (or
 * `documentId`); the manifest's text replaces whatever query they send.
 * Off by default: then nothing here is installed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';

export const DEFAULT_PERSISTED_DOCUMENTS_PATH = 'sdk/src/generated/persisted-documents.json';

export interface TrustedDocumentsConfig {
  trustedDocuments: boolean;
  persistedDocumentsPath: string;
}

const REFUSED_MESSAGE =
  'Only trusted (persisted) operations are accepted: send {"documentId": "sha256:<hash>"} of an SDK operation / 仅接受已登记的操作：请通过 SDK 发送 documentId';
const UNKNOWN_MESSAGE = 'Unknown persisted operation: update the SDK / 未登记的操作，请更新 SDK';
const MISSING_MESSAGE = 'A documentId is required / 请求须带 documentId';

/** The manifest, keyed both by `sha256:<hex>` and by the bare hex. */
export function loadPersistedDocuments(path: string): Map<string, string> {
  let manifest: Record<string, string>;
  try {
    manifest = JSON.parse(readFileSync(resolve(path), 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new Error(
      `TRUSTED_DOCUMENTS=on: cannot read the persisted-documents manifest ${resolve(path)} (run \`npm run codegen\` or set PERSISTED_DOCUMENTS_PATH) / 无法读取已登记操作清单: ${(error as Error).message}`,
    );
  }
  const documents = new Map<string, string>();
  for (const [key, text] of Object.entries(manifest)) {
    documents.set(key, text);
    documents.set(key.replace(/^sha256:/, ''), text);
  }
  return documents;
}

function persistedId(params: { extensions?: unknown; documentId?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (persisted && persisted.version === 1 && typeof persisted.sha256Hash === 'string') return persisted.sha256Hash;
  return null;
}

export interface TrustedDocuments {
  /** Extra request parameters yoga must accept (`documentId`). */
  extraParamNames: string[];
  plugins: Plugin[];
  /**
   * For graphql-ws: the subscribe payload with the manifest's text for its hash, or
   * the errors (an unknown hash, or a bare query) to send back instead. The errors
   * come from graphql-yoga's copy of graphql, the one graphql-ws checks them against.
   */
  socketParams<P extends { query: string; extensions?: unknown }>(params: P): P | GraphQLError[];
  /** The manifest's text for the document a request names, if it names a known one. */
  documentText(params: GraphQLParams): string | undefined;
}

/** Null when trusted documents are off. Reads the manifest once, at start (a missing file stops the server). */
export function trustedDocuments(config: TrustedDocumentsConfig): TrustedDocuments | null {
  if (!config.trustedDocuments) return null;
  const documents = loadPersistedDocuments(config.persistedDocumentsPath);
  const error = (message: string, code: string) => ({ message, extensions: { code, http: { status: 400 } } });
  return {
    extraParamNames: ['documentId'],
    plugins: [
      usePersistedOperations({
        getPersistedOperation: (key) => documents.get(key) ?? null,
        extractPersistedOperationId: (params) => persistedId(params as GraphQLParams & { documentId?: unknown }),
        allowArbitraryOperations: false,
        customErrors: {
          persistedQueryOnly: error(REFUSED_MESSAGE, 'PERSISTED_QUERY_ONLY'),
          notFound: error(UNKNOWN_MESSAGE, 'PERSISTED_QUERY_NOT_FOUND'),
          keyNotFound: error(MISSING_MESSAGE, 'PERSISTED_QUERY_ID_REQUIRED'),
        },
      }) as Plugin,
    ],
    documentText(params) {
      const id = persistedId(params as GraphQLParams & { documentId?: unknown });
      return id === null ? undefined : documents.get(id);
    },
    socketParams(params) {
      const id = persistedId(params as { extensions?: unknown; documentId?: unknown });
      if (id === null) return [createGraphQLError(REFUSED_MESSAGE, { extensions: { code: 'PERSISTED_QUERY_ONLY' } })];
      const text = documents.get(id);
      if (text === undefined) return [createGraphQLError(UNKNOWN_MESSAGE, { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })];
      return { ...params, query: text };
    },
  };
}
