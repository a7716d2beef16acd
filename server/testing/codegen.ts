import type { CodegenConfig } from '@graphql-codegen/cli';

// The server tests' typed documents: every graphql(`…`) in server tests and helpers, typed from the committed schema.graphql.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['server/**/*.test.ts', 'server/testing/**/*.ts', '!server/testing/generated/**'],
  emitLegacyCommonJSImports: false,
  generates: {
    'server/testing/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown', File: 'Blob' },
        // Sent as text over HTTP and graphql-ws (and no graphql-js AST: graphql loads twice under vitest).
        documentMode: 'string',
      },
    },
  },
};

export default config;
