import { GraphQLError, type ExecutionResult } from 'graphql';
import { formatMessage } from '../errors.js';
import type { Logger } from '../log.js';

/** Operations (mostly subscriptions) one socket may run at once unless MAX_SOCKET_SUBSCRIPTIONS says otherwise. */
export const DEFAULT_SOCKET_OPERATIONS = 100;

/** Both languages: the socket's language is not known where this is decided. */
function bilingual(code: 'SUBSCRIPTION_LIMIT' | 'INTERNAL_SERVER_ERROR', params: Record<string, string | number> = {}): string {
  if (code === 'INTERNAL_SERVER_ERROR') return '服务器内部错误 / Unexpected error';
  return `${formatMessage(code, 'zh-CN', params)} / ${formatMessage(code, 'en', params)}`;
}

/** The refusal of one operation past the socket's limit; the socket and its other operations go on. */
export function operationLimitError(limit: number): GraphQLError {
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
    return { errors: [new GraphQLError(bilingual('INTERNAL_SERVER_ERROR'), { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
  }
}
