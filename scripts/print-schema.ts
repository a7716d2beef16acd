// Prints the Pothos schema to schema.graphql; with --check, fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../server/schema/index.js';

const target = new URL('../schema.graphql', import.meta.url);
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // A missing file is drift too.
  }
  if (committed !== printed) {
    console.error('schema.graphql is out of date with server/schema: run `npm run generate` and commit it.');
    process.exit(1);
  }
  console.log('schema.graphql matches server/schema');
} else {
  writeFileSync(target, printed);
  console.log('wrote schema.graphql');
}
