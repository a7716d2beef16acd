import type { CodegenConfig } from '@graphql-codegen/cli';

// The SDK's typed documents come from the committed schema.graphql, never from a running server.
const presetConfig = { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } } as const;
const typesConfig = {
  useTypeImports: true,
  enumsAsTypes: true,
  strictScalars: true,
  scalars: { DateTime: 'string', JSON: 'unknown', File: 'Blob' },
};

/**
 * The client preset forwards no `pureMagicComment`: each text document is marked pure here so bundlers
 * drop the unused ones, and its indentation is folded (the operations hold no string literals, and
 * persisted documents go by the hash of the normalized text, not by this text).
 */
function compactTextDocuments(content: string): string {
  return content.replace(
    /= new TypedDocumentString\(`([^`]*)`/g,
    (_match, text: string) => `= /*#__PURE__*/ new TypedDocumentString(\`${text.replace(/\s+/g, ' ').trim()}\``,
  );
}

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['sdk/src/operations/**/*.graphql'],
  // ESM: generated relative imports carry .js like the rest of the code.
  emitLegacyCommonJSImports: false,
  generates: {
    'sdk/src/generated/': {
      preset: 'client',
      presetConfig,
      config: typesConfig,
    },
    // The same documents as text for the client's own operations: a browser bundle carries a dozen
    // query strings instead of their syntax trees (a third of the size), and unused ones are dropped (marked pure below).
    'sdk/src/generated/text/': {
      preset: 'client',
      presetConfig,
      config: { ...typesConfig, documentMode: 'string' },
      hooks: { beforeOneFileWrite: (_path: string, content: string) => compactTextDocuments(content) },
    },
  },
};

export default config;
