import { createRequire } from 'node:module';
import type { ExecutionResult, GraphQLError as GraphQLErrorType } from 'graphql';
import { formatMessage } from '../i18n/index.js';
import type { Logger } from '../log.js';

/**
 * graphql-ws accepts refusals only as `instanceof GraphQLError` of the graphql copy
 * it loaded itself (Node's, through require), which need not be the copy a bundler
 * or test runner gives this module's imports.
 */
const { GraphQLError } = createRequire(import.meta.url)('graphql') as { GraphQLError: typeof GraphQLErrorType };

/** Operations (mostly subscriptions) one socket may run at once unless MAX_SOCKET_SUBSCRIPTIONS says otherwise. */
export const DEFAULT_SOCKET_OPERATIONS = 100;

/** Both languages: the socket's language is not known where this is decided. */
function bilingual(code: 'SUBSCRIPTION_LIMIT' | 'INTERNAL_SERVER_ERROR', params: Record<string, string | number> = {}): string {
  if (code === 'INTERNAL_SERVER_ERROR') return '服务器内部错误 / Unexpected error';
  return `${formatMessage(code, 'zh-CN', params)} / ${formatMessage(code, 'en', params)}`;
}

/** The refusal of one operation past the socket's limit; the socket and its other operations go on. */
export function operationLimitError(limit: number): GraphQLErrorType {
  return new GraphQLError(bilingual('SUBSCRIPTION_LIMIT', { limit }), { extensions: { code: 'SUBSCRIPTION_LIMIT', limit } });
}

/**
 * Runs an operation for graphql-ws; an exception (a stack overflow on absurdly deep
 * variables, a bug) becomes that operation's masked error instead of closing the
 * socket with the exception's text.
 */
export async function failOperationOnError<T>(run: () => T | Promise<T>, log: Logger): Promise<T | ExecutionResult> {
  try {
    return await run();
  } catch (error) {
    log.error('unexpected error', { error });
    return { errors: [unexpectedOperationError()] };
  }
}

/** What the client learns of an unexpected failure (logged with its stack): that it may retry, not what broke. */
export function unexpectedOperationError(): GraphQLErrorType {
  return new GraphQLError(bilingual('INTERNAL_SERVER_ERROR'), { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** The code HTTP answers give the same refusal (yoga's), where the error has none of its own. */
export function withCode(errors: readonly GraphQLErrorType[], code: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED'): GraphQLErrorType[] {
  return errors.map((error) =>
    error.extensions.code
      ? error
      : new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, code },
        }),
  );
}
