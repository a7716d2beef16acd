// tsc does not copy JSON it does not import: ship the persisted-documents manifest with the build.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist/generated'), { recursive: true });
copyFileSync(join(root, 'src/generated/persisted-documents.json'), join(root, 'dist/generated/persisted-documents.json'));
