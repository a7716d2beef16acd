import type { CodegenConfig } from '@graphql-codegen/cli';

// The SDK's typed documents come from the committed schema.graphql, never from a running server.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['sdk/src/operations/**/*.graphql'],
  // ESM: generated relative imports carry .js like the rest of the code.
  emitLegacyCommonJSImports: false,
  generates: {
    'sdk/src/generated/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown', File: 'Blob' },
      },
    },
  },
};

export default config;
