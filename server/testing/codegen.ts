import type { CodegenConfig } from '@graphql-codegen/cli';

// The tests' typed documents: every graphql(`…`) in the server's tests and helpers and in the SDK's and portal's tests, typed from the committed schema.graphql.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['server/**/*.test.ts', 'server/testing/**/*.ts', '!server/testing/generated/**', 'sdk/test/**/*.ts', 'portal/test/**/*.ts'],
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
