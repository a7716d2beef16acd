import type { CodegenConfig } from '@graphql-codegen/cli';

// The portal's own operations (what the SDK does not ask for), typed from the committed schema like the SDK's.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['portal/src/operations/**/*.graphql'],
  emitLegacyCommonJSImports: false,
  generates: {
    'portal/src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
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
