import { formatMessage, type ErrorCode, type ErrorParams } from './i18n/index.js';

// The codes an AppError carries, beside it for the services that raise one.
export type { ErrorCode, ErrorParams } from './i18n/index.js';

/**
 * A failure the user caused, raised by services (and resolvers) without a request
 * at hand: a code and its parameters, no GraphQL. The GraphQL layer turns it into
 * an error with `extensions.code` in the request's language (see localize-errors.ts),
 * or, on fields with typed errors, into a `DomainError` result.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly params: ErrorParams = {},
  ) {
    // The default language's text, for logs; clients get theirs from the GraphQL layer.
    super(formatMessage(code, 'zh-CN', params));
    this.name = 'AppError';
  }
}
