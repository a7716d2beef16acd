import type { GraphQLInterfaceType, GraphQLResolveInfo } from 'graphql';
import { AppError } from '../errors.js';

/**
 * `node(id)` and `nodes(ids)` answer NOT_FOUND, never an internal error, for any id the client
 * can make up: a type name that is not a Node (or not in the schema at all) is refused before
 * anything loads it, and a well-formed id of a Node type that names no row (Prisma's P2025
 * from the loader's findUniqueOrThrow) is not found either.
 */

interface GlobalId {
  typename: string;
  id: string;
}

/** By name, not graphql's is…Type checks: under vitest the schema may come from the other graphql build. */
function assertNodeType({ schema }: GraphQLResolveInfo, { typename }: GlobalId) {
  const { objects } = schema.getImplementations(schema.getType('Node') as GraphQLInterfaceType);
  if (!objects.some((type) => type.name === typename)) throw new AppError('NOT_FOUND');
}

function isRecordNotFound(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { code?: unknown }).code === 'P2025';
}

async function notFoundWhenMissing<T>(load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isRecordNotFound(error)) throw new AppError('NOT_FOUND');
    throw error;
  }
}

export function resolveNode(_root: unknown, { id }: { id: GlobalId }, _ctx: unknown, info: GraphQLResolveInfo, load: (id: GlobalId) => unknown) {
  assertNodeType(info, id);
  return notFoundWhenMissing(() => load(id));
}

export function resolveNodes(
  _root: unknown,
  { ids }: { ids: GlobalId[] },
  _ctx: unknown,
  info: GraphQLResolveInfo,
  load: (ids: GlobalId[]) => Promise<unknown[]>,
) {
  for (const id of ids) assertNodeType(info, id);
  return notFoundWhenMissing(() => load(ids));
}
