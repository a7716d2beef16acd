import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { type FieldNode, type FragmentSpreadNode, type GraphQLResolveInfo, type VariableNode, visit } from 'graphql';
import type { Context } from '../context.js';

type Query = Record<string, unknown>;
type Mappings = Record<string, unknown>;

/** What Pothos' prisma plugin plans for one field of a document: the query, and the mappings that let the fields beneath read it. */
interface Planned {
  query: Query;
  mappings: Mappings;
}

interface SettledPlan {
  played?: { root: unknown; mappings: Mappings };
}

/**
 * The pieces of Pothos' planner that `queryFromInfo` combines: its plan, the prisma adapter that turns the
 * plan into a query, and the call that records the plan's mappings on a request's context. The adapter is
 * not exported, so it is loaded from the plugin's own module file (the same module instance the plugin
 * uses); when any piece is missing (another version of the plugin) every call plans afresh.
 */
interface Planner {
  plan(context: Context, info: GraphQLResolveInfo): SettledPlan | PromiseLike<unknown> | undefined;
  toQuery(root: unknown): Query;
  record(context: Context, info: GraphQLResolveInfo, mappings: Mappings): void;
}

async function loadPlanner(): Promise<Planner | null> {
  try {
    const require = createRequire(import.meta.url);
    const pluginEsm = join(dirname(require.resolve('@pothos/plugin-prisma')), '..', 'esm');
    const mapperEsm = join(dirname(createRequire(join(pluginEsm, 'index.js')).resolve('@pothos/selection-mapper')), '..', 'esm', 'index.js');
    const { prismaAdapter } = (await import(pathToFileURL(join(pluginEsm, 'util', 'adapter.js')).href)) as {
      prismaAdapter?: { toQuery(root: unknown): Query };
    };
    const mapper = (await import(pathToFileURL(mapperEsm).href)) as {
      Plan?: { fromInfo(adapter: unknown, options: { context: Context; info: GraphQLResolveInfo }): SettledPlan | PromiseLike<unknown> | undefined };
      setLoaderMappings?: (context: Context, info: GraphQLResolveInfo, mappings: Mappings) => void;
    };
    const { Plan, setLoaderMappings } = mapper;
    if (!prismaAdapter || typeof Plan?.fromInfo !== 'function' || typeof setLoaderMappings !== 'function') return null;
    return {
      plan: (context, info) => Plan.fromInfo(prismaAdapter, { context, info }),
      toQuery: (root) => prismaAdapter.toQuery(root),
      record: setLoaderMappings,
    };
  } catch {
    return null;
  }
}

/** Null until the planner's modules are loaded (they are by the first event), and when they cannot be. */
let planner: Planner | null = null;
void loadPlanner().then((loaded) => (planner = loaded));

/** Plans per field node of a parsed document (yoga keeps one per query text), then per everything else a plan depends on. */
const plansByNode = new WeakMap<FieldNode, Map<string, Planned>>();
/** Distinct variables / viewers per field node kept at once; past it the oldest is planned again when it comes back. */
const PLANS_PER_NODE = 256;
/** What a select function may read of the context, per context. */
const contextKeys = new WeakMap<Context, string>();

function contextKey(context: Context): string {
  let key = contextKeys.get(context);
  if (key === undefined) contextKeys.set(context, (key = JSON.stringify([context.viewer, context.authFailure, context.locale])));
  return key;
}

/** The variables a field's selection (its arguments, directives and the fragments it spreads) refers to, per field node. */
const variablesUsed = new WeakMap<FieldNode, readonly string[]>();

function variablesOf(info: GraphQLResolveInfo): readonly string[] {
  const node = info.fieldNodes[0]!;
  let names = variablesUsed.get(node);
  if (names) return names;
  const found = new Set<string>();
  const spread = new Set<string>();
  const visitor = {
    Variable: (variable: VariableNode) => void found.add(variable.name.value),
    FragmentSpread: (fragment: FragmentSpreadNode) => {
      const definition = info.fragments[fragment.name.value];
      if (definition && !spread.has(fragment.name.value)) {
        spread.add(fragment.name.value);
        visit(definition, visitor);
      }
    },
  };
  for (const fieldNode of info.fieldNodes) visit(fieldNode, visitor);
  names = [...found].sort();
  variablesUsed.set(node, names);
  return names;
}

/**
 * Only the variables the field's selection uses: subscribers that differ in the others (each following its
 * own student) share the plan. A subscriber's coerced variables are one object for all its events.
 */
const variablesKeys = new WeakMap<FieldNode, WeakMap<object, string>>();

function variablesKey(info: GraphQLResolveInfo): string {
  const variables = info.variableValues;
  let keys = variablesKeys.get(info.fieldNodes[0]!);
  if (!keys) variablesKeys.set(info.fieldNodes[0]!, (keys = new WeakMap()));
  let key = keys.get(variables);
  if (key === undefined) {
    const used = variablesOf(info).filter((name) => name in variables);
    keys.set(variables, (key = JSON.stringify(Object.fromEntries(used.map((name) => [name, variables[name]])))));
  }
  return key;
}

function responsePath(info: GraphQLResolveInfo): string {
  let path = '';
  for (let link: GraphQLResolveInfo['path'] | undefined = info.path; link; link = link.prev) if (typeof link.key === 'string') path = `${link.key}.${path}`;
  return path;
}

/**
 * `queryFromInfo` for a prisma field that resolves once per event for every subscriber (a subscription's
 * payload), planned once per field node, path, variables and viewer instead of walking the selection on
 * every event: the same query and the same loader mappings recorded on this context as a fresh plan gives.
 * A plan that settles asynchronously (an async select function) is planned afresh every time.
 */
export function plannedQuery(context: Context, info: GraphQLResolveInfo): Query | Promise<Query> {
  if (!planner) return queryFromInfo({ context, info, awaitSelections: true }) as Query | Promise<Query>;
  const node = info.fieldNodes[0]!;
  let plans = plansByNode.get(node);
  if (!plans) plansByNode.set(node, (plans = new Map()));
  const key = `${info.fieldNodes.length} ${responsePath(info)} ${variablesKey(info)} ${contextKey(context)}`;
  let planned = plans.get(key);
  if (!planned) {
    const plan = planner.plan(context, info);
    if (plan && !('played' in plan && plan.played)) {
      // Settling later (an async select function): planned afresh below, this one only must not reject unobserved.
      Promise.resolve(plan).catch(() => undefined);
      return queryFromInfo({ context, info, awaitSelections: true }) as Query | Promise<Query>;
    }
    planned = plan?.played ? { query: planner.toQuery(plan.played.root), mappings: plan.played.mappings } : { query: {}, mappings: {} };
    if (plans.size >= PLANS_PER_NODE) plans.delete(plans.keys().next().value!);
    plans.set(key, planned);
  }
  planner.record(context, info, planned.mappings);
  return planned.query;
}
