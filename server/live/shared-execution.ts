import { buildExecutionContext, buildResolveInfo, execute, getFieldDef, subscribe } from '@graphql-tools/executor';
import { addPath, collectFields, getArgumentValues, isAsyncIterable, locatedError, pathToArray } from '@graphql-tools/utils';
import { BREAK, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { isPublishedOnce } from './published-once.js';

type MaybePromise<T> = T | Promise<T>;
type Executed = MaybePromise<ExecutionResult>;

/**
 * Results of one event, per sharing key, for as long as the event is alive (events are
 * published once and handed to every subscriber as the same object, see Bus).
 */
const resultsByEvent = new WeakMap<object, Map<string, Executed>>();

/** Parsed documents (yoga caches them per query text) by a small number, for the sharing key. */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/**
 * Everything a subscription's result for one event depends on besides the event: the
 * operation (document, name, variables), the viewer as authenticated and the language.
 * Two subscribers with the same key receive byte-identical payloads, so the event is
 * executed once for all of them. Null when the document uses @defer/@stream (several
 * results per event), which is left to the ordinary executor.
 */
function sharingKey(args: ExecutionArgs): string | null {
  const document = args.document;
  let id = documentIds.get(document);
  if (id === undefined) {
    if (streamsSeveralResults(document)) return null;
    documentIds.set(document, (id = nextDocumentId++));
  }
  const context = args.contextValue as Context;
  return JSON.stringify([id, args.operationName ?? null, args.variableValues ?? null, context.viewer, context.authFailure, context.locale]);
}

function streamsSeveralResults(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      found = node.name.value === 'defer' || node.name.value === 'stream';
      return found ? BREAK : undefined;
    },
  });
  return found;
}

/**
 * graphql-tools' subscribe, except that each event is executed once per sharing key:
 * 2,000 sockets of one account watching one student cost one execution per change,
 * and each subscriber only serializes and sends. Each subscriber still has its own
 * source stream (its own buffer, filter and RESYNC_REQUIRED), authorized at subscribe time.
 */
export function subscribeSharingEvents(args: ExecutionArgs): MaybePromise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const key = sharingKey(args);
  const exeContext = key === null ? null : buildExecutionContext(args);
  if (key === null || exeContext === null || !('schema' in exeContext)) return subscribe(args) as never;
  const { schema, fragments, operation, variableValues, contextValue } = exeContext;
  const rootType = schema.getSubscriptionType();
  if (!rootType) return subscribe(args) as never;
  // graphql-tools keeps the coerced variables beside their sources; @graphql-tools/utils takes the coerced ones.
  const variables = (variableValues as { coerced?: Record<string, unknown> }).coerced ?? variableValues;
  const [entry] = collectFields(schema, fragments, variables, rootType, operation.selectionSet).fields;
  if (!entry) return subscribe(args) as never;
  const [responseName, fieldNodes] = entry;
  const fieldDef = getFieldDef(schema, rootType, fieldNodes[0]!);
  if (!fieldDef?.subscribe) return subscribe(args) as never;
  const path = addPath(undefined, responseName, rootType.name);
  const fail = (error: unknown): ExecutionResult => ({ errors: [locatedError(error, fieldNodes, pathToArray(path))] });
  let source: unknown;
  try {
    const info = buildResolveInfo(exeContext, fieldDef, fieldNodes, rootType, path);
    source = fieldDef.subscribe(args.rootValue, getArgumentValues(fieldDef, fieldNodes[0]!, variables), contextValue, info);
  } catch (error) {
    return fail(error);
  }
  const stream = (events: unknown): AsyncIterable<ExecutionResult> | ExecutionResult => {
    if (events instanceof Error) return fail(events);
    if (!isAsyncIterable(events)) return fail(new Error(`Subscription field must return Async Iterable. Received: ${String(events)}.`));
    return mapEvents(events as AsyncIterable<unknown>, (event) => executeOnce(args, key, event), (args as { signal?: AbortSignal }).signal);
  };
  return isThenable(source) ? Promise.resolve(source).then(stream, fail) : stream(source);
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

function executeOnce(args: ExecutionArgs, key: string, event: unknown): Executed {
  if (typeof event !== 'object' || event === null || !isPublishedOnce(event)) return execute({ ...args, rootValue: event }) as Executed;
  let results = resultsByEvent.get(event);
  if (!results) resultsByEvent.set(event, (results = new Map()));
  let result = results.get(key);
  if (result === undefined) results.set(key, (result = execute({ ...args, rootValue: event }) as Executed));
  return result;
}

/** The source's events mapped to their results, in order; ending or returning it ends the source. */
function mapEvents(source: AsyncIterable<unknown>, map: (event: unknown) => Executed, signal?: AbortSignal | null): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async (): Promise<IteratorResult<ExecutionResult>> => {
    await iterator.return?.();
    return { done: true, value: undefined };
  };
  // An HTTP (SSE) subscriber that goes away ends its source, as graphql-tools does.
  signal?.addEventListener('abort', () => void close(), { once: true });
  return {
    async next() {
      const next = await iterator.next();
      if (next.done) return { done: true, value: undefined };
      return { done: false, value: await map(next.value) };
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Installs subscribeSharingEvents for every subscription (graphql-ws and SSE alike). */
export function useSharedSubscriptionEvents(): Plugin<Context> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribeSharingEvents as never);
    },
  };
}
