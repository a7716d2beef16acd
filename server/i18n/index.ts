export { bilingualMessage, ERROR_CATALOGUE, ERROR_CODES, formatMessage, type ErrorCode, type ErrorParams } from './error-messages.js';
export { fillTemplate, inLocale, pickLocale, type Locale } from './locale.js';
