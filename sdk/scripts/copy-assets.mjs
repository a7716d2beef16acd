// tsc copies nothing it does not compile: ship the persisted-documents manifest, the schema the
// documents were generated against and the operation files, so consumers can type operations of their own.
import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(join(dist, 'generated'), { recursive: true });
copyFileSync(join(root, 'src/generated/persisted-documents.json'), join(dist, 'generated/persisted-documents.json'));
copyFileSync(join(root, '../schema.graphql'), join(dist, 'schema.graphql'));
cpSync(join(root, 'src/operations'), join(dist, 'operations'), { recursive: true });
