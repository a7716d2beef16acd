import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { ERROR_CATALOGUE, ERROR_CODES, formatMessage } from '../../i18n/index.js';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: "Stable codes of every failure a user can cause; the message comes in the request's language (Accept-Language, zh-CN by default).",
  values: Object.fromEntries(ERROR_CODES.map((code) => [code, { description: `${ERROR_CATALOGUE[code].en} / ${ERROR_CATALOGUE[code].zh}` }])),
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    message: t.string({ resolve: (error, _args, ctx) => formatMessage(error.code, ctx.locale, error.params) }),
  }),
});

builder.objectType(AppError, {
  name: 'DomainError',
  description: 'A typed failure: `code` for programs, `message` for people.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.int({
      nullable: true,
      description: 'For LOGIN_LOCKED: seconds until another attempt is allowed.',
      resolve: (error) => (typeof error.params.retryAfterSeconds === 'number' ? error.params.retryAfterSeconds : null),
    }),
    field: t.string({
      nullable: true,
      description: 'For INVALID_INPUT and INVALID_RULE: the argument, answer or rule field at fault.',
      resolve: (error) => (typeof error.params.field === 'string' ? error.params.field : null),
    }),
  }),
});
