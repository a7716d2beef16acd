import type { SqlDriver } from '../db/driver.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';

/**
 * Reads rows and the relations a GraphQL selection asks for in one SQL statement that
 * selects only the requested columns, shaped exactly as Prisma would return them: the same
 * `select`/`include` arguments (from Pothos' `queryFromInfo`), the same objects. Prisma's own
 * statement for a student's sheet selects every column of every joined table, and its client
 * spends more CPU compiling the query and mapping the result than the database spends on it.
 *
 * Only what it can answer identically is compiled (scalars of the types below, relations with
 * `orderBy` and `take`); anything else returns null and the caller asks Prisma instead.
 */

interface Field {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  relationName?: string;
  relationFromFields?: readonly string[];
}

type Args = Record<string, unknown>;
type Decode = (row: Record<string, unknown>) => void;

interface Compiled {
  /** One row by id ($1). */
  one: string;
  /** Rows by ids ($1, an array), each with its id. */
  many: string;
  decode: Decode;
}

const MODELS = getDatamodel().datamodel.models;
/** Scalars whose JSON form is what Prisma returns (DateTime is converted back to a Date). */
const PLAIN_SCALARS = new Set(['String', 'Int', 'Boolean', 'Json', 'DateTime']);
const MAX_CACHED_SHAPES = 200;
/** Compiled statements by model and arguments: one operation always asks for the same shape. */
const cache = new Map<string, Compiled | null>();

class Unsupported extends Error {}

/** The row `id` of `model` as Prisma's findUnique with `args` would return it; null if there is none, undefined if `args` is not compiled. */
export async function leanFindUnique<Row>(sql: SqlDriver, model: string, args: Args, id: string): Promise<Row | null | undefined> {
  const compiled = compiledFor(model, args);
  if (!compiled) return undefined;
  const [row] = await sql.query<{ row: unknown }>(compiled.one, [id]);
  return row ? (decoded(compiled, row.row) as Row) : null;
}

/**
 * The rows of `ids` (those that exist) as Prisma's findMany with `args` and `where: { id: { in: ids } }`
 * would return them, by id; undefined if `args` is not compiled.
 */
export async function leanFindMany<Row>(sql: SqlDriver, model: string, args: Args, ids: readonly string[]): Promise<Map<string, Row> | undefined> {
  const compiled = compiledFor(model, args);
  if (!compiled) return undefined;
  const rows = await sql.query<{ id: string; row: unknown }>(compiled.many, [ids]);
  return new Map(rows.map(({ id, row }) => [id, decoded(compiled, row) as Row]));
}

function compiledFor(model: string, args: Args): Compiled | null {
  const key = `${model}:${JSON.stringify(args)}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compileRoot(model, args);
    if (cache.size >= MAX_CACHED_SHAPES) cache.clear();
    cache.set(key, compiled);
  }
  return compiled;
}

function decoded(compiled: Compiled, row: unknown): Record<string, unknown> {
  const value = (typeof row === 'string' ? JSON.parse(row) : row) as Record<string, unknown>;
  compiled.decode(value);
  return value;
}

function compileRoot(model: string, args: Args): Compiled | null {
  try {
    const aliases = { next: 1 };
    const { expression, decode } = objectOf(model, args, 'a0', aliases);
    return {
      one: `SELECT ${expression} AS row FROM "${model}" a0 WHERE a0."id" = $1::uuid`,
      many: `SELECT a0."id"::text AS id, ${expression} AS row FROM "${model}" a0 WHERE a0."id" = ANY($1::uuid[])`,
      decode,
    };
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

function fieldsOf(model: string): readonly Field[] {
  const definition = MODELS[model];
  if (!definition) throw new Unsupported();
  return definition.fields;
}

/** A `json_build_object` of the selected scalars and relations of the row `alias`. */
function objectOf(model: string, args: Args, alias: string, aliases: { next: number }): { expression: string; decode: Decode } {
  for (const key of Object.keys(args)) if (key !== 'select' && key !== 'include') throw new Unsupported();
  const fields = fieldsOf(model);
  const select = args.select as Args | undefined;
  const include = args.include as Args | undefined;
  if (select && include) throw new Unsupported();
  const wanted = new Map<string, unknown>();
  if (!select) for (const field of fields) if (field.kind !== 'object') wanted.set(field.name, true);
  for (const [name, value] of Object.entries(select ?? include ?? {})) if (value) wanted.set(name, value);

  const pairs: string[] = [];
  const dates: string[] = [];
  const nested: [string, Decode][] = [];
  for (const [name, value] of wanted) {
    const field = fields.find((candidate) => candidate.name === name);
    if (!field) throw new Unsupported();
    if (field.kind === 'object') {
      const relation = relationOf(model, field, value === true ? {} : (value as Args), alias, aliases);
      pairs.push(`'${name}', ${relation.expression}`);
      nested.push([name, relation.decode]);
      continue;
    }
    if (field.kind !== 'enum' && !PLAIN_SCALARS.has(field.type)) throw new Unsupported();
    if (field.type === 'DateTime' && field.isList) throw new Unsupported();
    pairs.push(`'${name}', ${alias}."${name}"`);
    if (field.type === 'DateTime') dates.push(name);
  }
  const decode: Decode = (row) => {
    for (const name of dates) if (row[name] !== null) row[name] = new Date(`${row[name] as string}Z`);
    for (const [name, inner] of nested) {
      const value = row[name];
      if (Array.isArray(value)) for (const element of value) inner(element as Record<string, unknown>);
      else if (value) inner(value as Record<string, unknown>);
    }
  };
  return { expression: `json_build_object(${pairs.join(', ')})`, decode };
}

/** The join condition between the row `alias` of `model` and the related row `target` of `field`. */
function joinCondition(model: string, field: Field, alias: string, target: string): string {
  if (field.relationFromFields?.length === 1) return `${target}."id" = ${alias}."${field.relationFromFields[0]}"`;
  const back = fieldsOf(field.type).find(
    (other) => other.relationName === field.relationName && other.type === model && other.relationFromFields?.length === 1,
  );
  if (!back) throw new Unsupported();
  return `${target}."${back.relationFromFields![0]}" = ${alias}."id"`;
}

function relationOf(model: string, field: Field, args: Args, alias: string, aliases: { next: number }): { expression: string; decode: Decode } {
  const { orderBy, take, ...shape } = args;
  const target = `a${aliases.next++}`;
  const inner = objectOf(field.type, shape, target, aliases);
  const condition = joinCondition(model, field, alias, target);
  if (!field.isList) {
    if (orderBy !== undefined || take !== undefined) throw new Unsupported();
    return { expression: `(SELECT ${inner.expression} FROM "${field.type}" ${target} WHERE ${condition})`, decode: inner.decode };
  }
  if (take !== undefined && (typeof take !== 'number' || !Number.isInteger(take) || take < 0)) throw new Unsupported();
  const limit = take === undefined ? '' : ` LIMIT ${take}`;
  // Unordered, like Prisma's own read: the rows come in whatever order the database reads them.
  if (orderBy === undefined) {
    const rows = `SELECT ${inner.expression} AS j FROM "${field.type}" ${target} WHERE ${condition}${limit}`;
    return { expression: `(SELECT coalesce(json_agg(r.j), '[]'::json) FROM (${rows}) r)`, decode: inner.decode };
  }
  const { joins, keys } = ordering(field.type, orderBy, target, aliases);
  const order = keys.join(', ');
  const rows = `SELECT ${inner.expression} AS j, row_number() OVER (ORDER BY ${order}) AS n FROM "${field.type}" ${target}${joins} WHERE ${condition} ORDER BY ${order}${limit}`;
  return { expression: `(SELECT coalesce(json_agg(r.j ORDER BY r.n), '[]'::json) FROM (${rows}) r)`, decode: inner.decode };
}

/** `orderBy` as Prisma takes it: `{ field: 'asc' }`, or one level into a to-one relation, `{ template: { sequence: 'asc' } }`. */
function ordering(model: string, orderBy: unknown, alias: string, aliases: { next: number }): { joins: string; keys: string[] } {
  const clauses = Array.isArray(orderBy) ? orderBy : [orderBy];
  let joins = '';
  const keys: string[] = [];
  for (const clause of clauses as Args[]) {
    for (const [name, direction] of Object.entries(clause)) {
      const field = fieldsOf(model).find((candidate) => candidate.name === name);
      if (!field) throw new Unsupported();
      if (field.kind !== 'object') {
        keys.push(`${alias}."${name}" ${sortDirection(direction)}`);
        continue;
      }
      if (field.isList || typeof direction !== 'object' || direction === null) throw new Unsupported();
      const joined = `a${aliases.next++}`;
      joins += ` LEFT JOIN "${field.type}" ${joined} ON ${joinCondition(model, field, alias, joined)}`;
      for (const [inner, innerDirection] of Object.entries(direction)) {
        const innerField = fieldsOf(field.type).find((candidate) => candidate.name === inner);
        if (!innerField || innerField.kind === 'object') throw new Unsupported();
        keys.push(`${joined}."${inner}" ${sortDirection(innerDirection)}`);
      }
    }
  }
  if (keys.length === 0) throw new Unsupported();
  return { joins, keys };
}

function sortDirection(direction: unknown): 'ASC' | 'DESC' {
  if (direction === 'asc') return 'ASC';
  if (direction === 'desc') return 'DESC';
  throw new Unsupported();
}
