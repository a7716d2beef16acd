import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode, type ValueNode } from 'graphql';

/**
 * What an operation may cost, computed when it is executed, so `first: $n` counts with the
 * value sent in the variables (or the argument's default), exactly like `first: 500` written
 * in the document.
 *
 * Every selected field costs 1, times the size of every list it sits in. A list's size is
 * the `first`/`last` of the field that returns it (capped where its resolver caps it, see
 * PAGE_CAPS); a field with `first`/`last` that is not a list itself (a connection, a page of
 * changes) passes its size to the lists directly below it (`edges`, `changes`); any other
 * list counts as LIST_ESTIMATE entries.
 */
export const OPERATION_COST_BUDGET = 20_000;
export const LIST_ESTIMATE = 20;

/** Page sizes the resolvers never exceed, whatever the client asks for. */
const PAGE_CAPS: Record<string, number> = {
  'Query.reviewQueue': 100,
  'Query.changesSince': 500,
  'Query.students': 100,
  'CohortStats.topBlockers': 50,
  'CohortStats.oldestWaiting': 100,
};

interface Walk {
  schema: GraphQLSchema;
  variables: Record<string, unknown>;
  fragments: Map<string, FragmentDefinitionNode>;
  /** Fragment costs by name and inherited page size: a fragment spread many times is walked once. */
  fragmentCosts: Map<string, number>;
}

/** Named types by their printed form, because under vitest the schema may come from the other graphql build. */
interface TypeLike {
  name?: string;
  ofType?: TypeLike;
  getFields?: () => Record<string, { type: TypeLike; args: readonly { name: string; defaultValue?: unknown }[] }>;
}

function namedType(type: TypeLike): TypeLike {
  let current = type;
  while (current.ofType) current = current.ofType;
  return current;
}

const isList = (type: TypeLike) => String(type).replace(/!$/, '').startsWith('[');

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation = null;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) operation ??= definition;
  }
  if (!operation) return 0;
  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;
  const walk: Walk = { schema, variables: variables ?? {}, fragments, fragmentCosts: new Map() };
  return selectionCost(walk, root as unknown as TypeLike, operation.selectionSet, null);
}

function selectionCost(walk: Walk, parent: TypeLike, selectionSet: SelectionSetNode, inheritedSize: number | null): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(walk, parent, selection, inheritedSize);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? (walk.schema.getType(selection.typeCondition.name.value) as unknown as TypeLike) : parent;
      cost += selectionCost(walk, type ?? parent, selection.selectionSet, inheritedSize);
    } else {
      const name = selection.name.value;
      const key = `${name}:${inheritedSize ?? ''}`;
      let fragmentCost = walk.fragmentCosts.get(key);
      if (fragmentCost === undefined) {
        const fragment = walk.fragments.get(name);
        // Marked before the walk: a cycle (which validation refuses anyway) costs nothing more.
        walk.fragmentCosts.set(key, 0);
        const type = fragment ? (walk.schema.getType(fragment.typeCondition.name.value) as unknown as TypeLike) : null;
        fragmentCost = fragment && type ? selectionCost(walk, type, fragment.selectionSet, inheritedSize) : 0;
        walk.fragmentCosts.set(key, fragmentCost);
      }
      cost += fragmentCost;
    }
  }
  return cost;
}

function fieldCost(walk: Walk, parent: TypeLike, field: FieldNode, inheritedSize: number | null): number {
  const definition = parent.getFields?.()[field.name.value];
  if (!definition) return 1;
  const page = pageSize(walk, parent, field, definition.args);
  const list = isList(definition.type);
  const size = list ? (page ?? inheritedSize ?? LIST_ESTIMATE) : 1;
  const passedDown = list ? null : page;
  const children = field.selectionSet ? selectionCost(walk, namedType(definition.type), field.selectionSet, passedDown) : 0;
  return size * (1 + children);
}

function pageSize(walk: Walk, parent: TypeLike, field: FieldNode, args: readonly { name: string; defaultValue?: unknown }[]): number | null {
  const sizes = args.filter((arg) => arg.name === 'first' || arg.name === 'last');
  if (sizes.length === 0) return null;
  const cap = PAGE_CAPS[`${parent.name}.${field.name.value}`];
  let requested: number | null = null;
  for (const argument of sizes) {
    const given = field.arguments?.find((arg) => arg.name.value === argument.name);
    const value = (given ? literalValue(walk, given.value) : null) ?? argument.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value)) requested = Math.max(requested ?? 1, Math.trunc(value), 1);
  }
  // Neither given nor defaulted: the resolver's own default, which is at most its cap.
  if (requested === null) return cap ?? 1;
  return cap ? Math.min(requested, cap) : requested;
}

function literalValue(walk: Walk, value: ValueNode): unknown {
  if (value.kind === Kind.VARIABLE) return walk.variables[value.name.value];
  if (value.kind === Kind.INT) return Number(value.value);
  return null;
}
