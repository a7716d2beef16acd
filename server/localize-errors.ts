import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { AppError } from './errors.js';

/**
 * AppErrors are created without a request at hand; this rewrites their
 * messages into the request's language on the way out (queries, mutations,
 * subscription refusals and every event of a subscription).
 */
export function useLocalizedErrors(): Plugin<Context> {
  /** The result hook for one operation, or nothing when the request is in Chinese (the messages' own language). */
  const localizerFor = (contextValue: unknown) => {
    const locale = (contextValue as Context).locale;
    if (locale !== 'en') return undefined;
    const localize = (error: GraphQLError): GraphQLError => {
      const app = error instanceof AppError ? error : error.originalError instanceof AppError ? error.originalError : null;
      if (!app) return error;
      return new GraphQLError(app.localizedMessage(locale), {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: error.extensions,
      });
    };
    const rewrite = (result: ExecutionResult): ExecutionResult => (result.errors?.length ? { ...result, errors: result.errors.map(localize) } : result);
    return ({ result, setResult }: { result: ExecutionResult | AsyncIterableIterator<ExecutionResult>; setResult: (result: ExecutionResult) => void }) => {
      if (Symbol.asyncIterator in result) {
        return { onNext: ({ result: next, setResult: setNext }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => setNext(rewrite(next)) };
      }
      setResult(rewrite(result));
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
