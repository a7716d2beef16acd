import { buildResolveInfo, getFieldDef, type ExecutionContext } from '@graphql-tools/executor';
import { addPath, collectSubFields, getArgumentValues, type Path } from '@graphql-tools/utils';
import type {
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  ExecutionResult,
  FieldNode,
  GraphQLField,
  GraphQLFieldResolver,
  GraphQLObjectType,
  GraphQLOutputType,
} from 'graphql';

type MaybePromise<T> = T | Promise<T>;

/**
 * Kinds of types by their tag rather than graphql's predicates: under a test runner graphql loads twice,
 * and the predicates refuse the other copy's types (the schema's).
 */
const tagOf = (type: GraphQLOutputType) => (type as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
const isNonNullType = (type: GraphQLOutputType): type is GraphQLNonNull<GraphQLOutputType> => tagOf(type) === 'GraphQLNonNull';
const isListType = (type: GraphQLOutputType): type is GraphQLList<GraphQLOutputType> => tagOf(type) === 'GraphQLList';
const isObjectType = (type: GraphQLOutputType): type is GraphQLObjectType => tagOf(type) === 'GraphQLObjectType';
const isLeafType = (type: GraphQLOutputType): type is GraphQLScalarType | GraphQLEnumType =>
  tagOf(type) === 'GraphQLScalarType' || tagOf(type) === 'GraphQLEnumType';
/** One event's result for one subscriber. */
export type ExecuteEvent = (event: unknown) => MaybePromise<ExecutionResult>;

/** One field of a selection, resolved the way graphql-tools' executeField resolves it. */
interface Step {
  responseName: string;
  fieldNodes: FieldNode[];
  fieldDef: GraphQLField<unknown, unknown>;
  /** The selection beneath the field's object type; absent for a leaf (or a list of leaves). */
  fields?: Step[];
}

/** Thrown where the fast path would not complete exactly as graphql-tools does; any other error ends it the same way. */
const FALLBACK = new Error('executed the ordinary way');
const ignore = () => undefined;

/**
 * A subscription's per-event execution compiled once, when the subscriber's operation is known: the fields
 * beneath the root field collected once (with the subscriber's variables, which never change), the
 * execution context built once. Each event then costs its resolvers, one info per field and the result
 * object: no re-coerced variables, no re-collected fields.
 *
 * Only a result without errors is taken from it. An event whose execution would have any (a resolver
 * throws, a non-null field is null, RESYNC_REQUIRED) or that reaches what it does not compile (abstract
 * types, non-array lists, isTypeOf answering later) is executed again by graphql-tools' `execute`, so
 * errors, their paths, order and the partial data are exactly the ordinary executor's. Resolvers read
 * (the item loader caches per item version), so running one twice changes nothing.
 */
export function compileEventExecution(
  exeContext: ExecutionContext,
  rootType: GraphQLObjectType,
  responseName: string,
  fieldNodes: FieldNode[],
  ordinary: ExecuteEvent,
): ExecuteEvent | null {
  const variables = ((exeContext.variableValues as { coerced?: Record<string, unknown> }).coerced ?? exeContext.variableValues) as Record<string, unknown>;
  const compile = (parentType: GraphQLObjectType, nodes: FieldNode[]): Step[] => {
    const { fields } = collectSubFields(exeContext.schema, exeContext.fragments, variables, parentType, nodes);
    const steps: Step[] = [];
    for (const [name, fieldNodesOfName] of fields) {
      const fieldDef = getFieldDef(exeContext.schema, parentType, fieldNodesOfName[0]!);
      if (!fieldDef) continue;
      let named: GraphQLOutputType = fieldDef.type;
      while (isNonNullType(named) || isListType(named)) named = named.ofType;
      if (!isLeafType(named) && !isObjectType(named)) throw FALLBACK;
      steps.push({ responseName: name, fieldNodes: fieldNodesOfName, fieldDef, fields: isObjectType(named) ? compile(named, fieldNodesOfName) : undefined });
    }
    return steps;
  };
  const rootField = getFieldDef(exeContext.schema, rootType, fieldNodes[0]!);
  if (!rootField) return null;
  let root: Step;
  try {
    root = { responseName, fieldNodes, fieldDef: rootField };
    let named: GraphQLOutputType = rootField.type;
    while (isNonNullType(named) || isListType(named)) named = named.ofType;
    if (!isObjectType(named)) return null;
    root.fields = compile(named, fieldNodes);
  } catch (error) {
    if (error === FALLBACK) return null;
    throw error;
  }
  return (event) => {
    const run: Run = { exeContext: { ...exeContext, rootValue: event }, variables };
    try {
      const data = executeFields(run, rootType, [root], event, undefined);
      return isPromise(data)
        ? data.then(
            (settled) => ({ data: settled }),
            () => ordinary(event),
          )
        : { data };
    } catch {
      return ordinary(event);
    }
  };
}

interface Run {
  exeContext: ExecutionContext;
  variables: Record<string, unknown>;
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | null)?.then === 'function';

function executeFields(run: Run, parentType: GraphQLObjectType, steps: Step[], source: unknown, path: Path | undefined): MaybePromise<Record<string, unknown>> {
  const results: Record<string, unknown> = Object.create(null);
  let pending: Promise<unknown>[] | null = null;
  try {
    for (const step of steps) {
      const fieldPath = addPath(path, step.responseName, parentType.name);
      const value = executeField(run, parentType, step, source, fieldPath);
      if (isPromise(value)) {
        // The key keeps its place among the fields, as in graphql-tools' promiseForObject.
        results[step.responseName] = undefined;
        (pending ??= []).push(value.then((settled) => (results[step.responseName] = settled)));
      } else results[step.responseName] = value;
    }
  } catch (error) {
    // The event goes the ordinary way: fields still resolving must not reject unobserved.
    for (const promise of pending ?? []) promise.catch(ignore);
    throw error;
  }
  return pending ? Promise.all(pending).then(() => results) : results;
}

function executeField(run: Run, parentType: GraphQLObjectType, step: Step, source: unknown, path: Path): unknown {
  const { exeContext } = run;
  const info = buildResolveInfo(exeContext, step.fieldDef, step.fieldNodes, parentType, path);
  const args = getArgumentValues(step.fieldDef, step.fieldNodes[0]!, run.variables);
  const resolve = (step.fieldDef.resolve ?? exeContext.fieldResolver) as GraphQLFieldResolver<unknown, unknown>;
  const result = resolve(source, args, exeContext.contextValue, info);
  if (isPromise(result)) return result.then((settled) => completeValue(run, step.fieldDef.type, step, info, path, settled));
  return completeValue(run, step.fieldDef.type, step, info, path, result);
}

function nonNull(value: unknown): unknown {
  if (value === null) throw FALLBACK;
  return value;
}

function completeValue(run: Run, type: GraphQLOutputType, step: Step, info: unknown, path: Path, result: unknown): unknown {
  if (result instanceof Error) throw FALLBACK;
  if (isNonNullType(type)) {
    const completed = completeValue(run, type.ofType, step, info, path, result);
    if (isPromise(completed)) return completed.then(nonNull);
    return nonNull(completed);
  }
  if (result == null) return null;
  if (isListType(type)) {
    if (!Array.isArray(result)) throw FALLBACK;
    const completed: unknown[] = [];
    try {
      for (const [index, element] of result.entries()) completed.push(completeValue(run, type.ofType, step, info, addPath(path, index, undefined), element));
    } catch (error) {
      for (const value of completed) if (isPromise(value)) value.catch(ignore);
      throw error;
    }
    return completed.some(isPromise) ? Promise.all(completed) : completed;
  }
  if (isLeafType(type)) {
    const serialized = type.serialize(result);
    if (serialized == null) throw FALLBACK;
    return serialized;
  }
  if (!isObjectType(type) || !step.fields) throw FALLBACK;
  if (type.isTypeOf) {
    const isTypeOf = type.isTypeOf(result, run.exeContext.contextValue, info as never);
    if (isTypeOf !== true) throw FALLBACK;
  }
  return executeFields(run, type, step.fields, result, path);
}
