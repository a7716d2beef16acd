import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { AppError } from './errors.js';
import { formatMessage, type Locale } from './i18n/index.js';

/**
 * By shape, not instanceof: graphql ships CJS and ESM builds, and an error made
 * by one copy is not an instance of the other's class.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && 'extensions' in error && 'path' in error && 'locations' in error;
}

/** The AppError an error is or wraps (graphql-js wraps what a resolver throws), if any. */
export function appErrorOf(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  return isGraphQLError(error) && error.originalError instanceof AppError ? error.originalError : null;
}

/** What the client sees of an AppError: its code and params as extensions, the message in its language. */
export function toGraphQLError(app: AppError, locale: Locale, at?: GraphQLError): GraphQLError {
  return new GraphQLError(formatMessage(app.code, locale, app.params), {
    nodes: at?.nodes,
    source: at?.source,
    positions: at?.positions,
    path: at?.path,
    extensions: { ...at?.extensions, code: app.code, ...app.params },
  });
}

/**
 * AppErrors are raised without a request at hand; this turns them into GraphQL
 * errors in the request's language on the way out (queries, mutations, subscription
 * refusals and every event of a subscription), before yoga's masking sees them.
 */
export function useLocalizedErrors(): Plugin<Context> {
  /** The result hook for one operation, or none in Chinese: the masking answers AppErrors in Chinese itself (app.ts). */
  const localizerFor = (contextValue: unknown) => {
    const locale = (contextValue as Context).locale;
    if (locale === 'zh-CN') return undefined;
    const localize = (error: GraphQLError): GraphQLError => {
      const app = appErrorOf(error);
      return app ? toGraphQLError(app, locale, error) : error;
    };
    type Hook = { result: ExecutionResult; setResult: (result: ExecutionResult) => void };
    // Most results carry no error: those pass untouched (every event of an English subscription comes here).
    const rewrite = ({ result, setResult }: Hook) => {
      if (result.errors?.length) setResult({ ...result, errors: result.errors.map(localize) });
    };
    return ({ result, setResult }: { result: ExecutionResult | AsyncIterableIterator<ExecutionResult>; setResult: (result: ExecutionResult) => void }) => {
      if (Symbol.asyncIterator in result) return { onNext: rewrite };
      rewrite({ result, setResult });
      return undefined;
    };
  };
  return {
    onExecute({ args }) {
      const onExecuteDone = localizerFor(args.contextValue);
      return onExecuteDone ? { onExecuteDone } : undefined;
    },
    // A refused subscription answers from subscribe, not execute; so do the events it delivers.
    onSubscribe({ args }) {
      const onSubscribeResult = localizerFor(args.contextValue);
      return onSubscribeResult ? { onSubscribeResult } : undefined;
    },
  };
}
