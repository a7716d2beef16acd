/**
 * One PostgreSQL array literal (`{"a",NULL,"b"}`) for a column of a set-based write, to bind as a
 * single text value and cast in the statement (`${arrayLiteral(ids)}::uuid[]`). Prisma converts
 * a bound array element by element (an import's 90,000 items × 11 columns cost it seconds of CPU
 * and garbage); one string per column it passes as is, and PostgreSQL parses the literal as it
 * would the driver's own encoding of the array.
 */
export function arrayLiteral(values: readonly (string | number | boolean | Date | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) out += 'NULL';
    else if (typeof value === 'number' || typeof value === 'boolean') out += String(value);
    else {
      const text = value instanceof Date ? value.toISOString() : value;
      // Ids and enum values go bare: Prisma passes the literal through JSON, which escapes every quote.
      out += BARE.test(text) && !NULL_WORD.test(text) ? text : `"${text.replace(QUOTED, '\\$&')}"`;
    }
  }
  return `${out}}`;
}

const BARE = /^[A-Za-z0-9_.:-]+$/;
const NULL_WORD = /^null$/i;
const QUOTED = /["\\]/g;
