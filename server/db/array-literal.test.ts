import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../testing/databases.js';
import { arrayLiteral } from './array-literal.js';

describe.each(BACKENDS)('arrayLiteral on %s', (backend) => {
  let opened: TestDatabase;
  const db = () => opened.db;
  beforeAll(async () => {
    opened = await openTestDatabase(backend);
  });
  afterAll(() => opened.drop());

  it('round-trips text with quotes, backslashes, commas, braces, NULL-like words and CJK through a cast', async () => {
    const values = ['a,b', 'say "hi"', 'back\\slash', '{braces}', 'NULL', 'null', 'NuLl', '', null, '线上缴费已核对', ' spaced ', 'APPROVED', 'a-b_c.d:e'];
    const rows = await db().prisma.$queryRaw<{ v: string | null; o: bigint }[]>`
      SELECT v, o FROM unnest(${arrayLiteral(values)}::text[]) WITH ORDINALITY AS t(v, o) ORDER BY o`;
    expect(rows.map((row) => row.v)).toEqual(values);
  });

  it('carries uuids, numbers, booleans and dates', async () => {
    const at = new Date('2026-12-04T10:00:00.123Z');
    const [row] = await db().prisma.$queryRaw<{ u: string[]; n: number[]; b: boolean[]; t: Date[] }[]>`
      SELECT ${arrayLiteral(['00000000-0000-7000-8000-000000000001', null])}::uuid[] AS u, ${arrayLiteral([1, -2, null])}::int[] AS n,
             ${arrayLiteral([true, false, null])}::boolean[] AS b, ${arrayLiteral([at])}::timestamptz[] AS t`;
    expect(row!.u).toEqual(['00000000-0000-7000-8000-000000000001', null]);
    expect(row!.n).toEqual([1, -2, null]);
    expect(row!.b).toEqual([true, false, null]);
    expect(row!.t.map((d) => new Date(d).toISOString())).toEqual([at.toISOString()]);
  });

  it('is an empty array for no values', async () => {
    const [row] = await db().prisma.$queryRaw<{ n: number }[]>`SELECT cardinality(${arrayLiteral([])}::uuid[]) AS n`;
    expect(row!.n).toBe(0);
  });
});
