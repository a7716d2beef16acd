import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { AppError } from './errors.js';

/**
 * AppErrors are created without a request at hand; this rewrites their
 * messages into the request's language on the way out (queries, mutations and
 * every event of a subscription).
 */
export function useLocalizedErrors(): Plugin<Context> {
  return {
    onExecute({ args }) {
      const locale = (args.contextValue as Context).locale;
      if (locale !== 'en') return;
      const rewrite = (result: ExecutionResult): ExecutionResult => {
        if (!result.errors?.length) return result;
        return { ...result, errors: result.errors.map(localize) };
      };
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
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) {
            return { onNext: ({ result: next, setResult: setNext }) => setNext(rewrite(next)) };
          }
          setResult(rewrite(result));
          return undefined;
        },
      };
    },
  };
}
