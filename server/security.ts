import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { BREAK, GraphQLError, NoSchemaIntrospectionCustomRule, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { AppError } from './errors.js';
import { formatMessage, inLocale, pickLocale } from './i18n/index.js';
import { toGraphQLError } from './localize-errors.js';
import { OPERATION_COST_BUDGET, operationCost } from './operation-cost.js';

/**
 * Limits every operation passes, over HTTP, SSE and graphql-ws alike (sockets go
 * through yoga's envelop too). Limits are not echoed back: the messages say what
 * was refused, not where the line is.
 */
export const OPERATION_LIMITS = {
  depth: 12,
  aliases: 15,
  tokens: 1000,
  directives: 50,
  cost: OPERATION_COST_BUDGET,
} as const;

type Limit = keyof typeof OPERATION_LIMITS;

/** What each limit refuses, in both languages, without the number. */
const LIMIT_NAMES: Record<Limit, { zh: string; en: string }> = {
  depth: { zh: '查询嵌套过深', en: 'the query is too deep' },
  aliases: { zh: '别名过多', en: 'too many aliases' },
  tokens: { zh: '查询过大', en: 'the query is too large' },
  directives: { zh: '指令过多', en: 'too many directives' },
  cost: { zh: '查询代价过高', en: 'the query is too expensive' },
};

/**
 * Armor refuses with a plain "Syntax Error"; this makes each refusal a typed error
 * (code OPERATION_LIMIT and which limit), worded in both languages because limits
 * are checked before the request's language is known.
 */
const refusalMessage = (limit: Limit) =>
  `${formatMessage('OPERATION_LIMIT', 'zh-CN', { limit: LIMIT_NAMES[limit].zh })} / ${formatMessage('OPERATION_LIMIT', 'en', { limit: LIMIT_NAMES[limit].en })}`;

function typedRefusal(limit: Limit) {
  const message = refusalMessage(limit);
  return {
    exposeLimits: false,
    onReject: [
      (_context: unknown, error: GraphQLError) => {
        error.message = message;
        Object.assign(error.extensions, { code: 'OPERATION_LIMIT', limit });
      },
    ],
  };
}

/**
 * What no field of ours can take: PostgreSQL text cannot hold U+0000, a lone UTF-16 surrogate
 * would be stored as U+FFFD (silently changing what the client sent), and no input of ours
 * nests deeper than a few levels (graphql-js coerces declared variables recursively).
 */
type Unacceptable = 'nul' | 'surrogate' | 'depth';

const MAX_VARIABLE_DEPTH = 32;
const LONE_SURROGATE = /\p{Cs}/u;

const UNACCEPTABLE_DETAIL: Record<Unacceptable, { zh: string; en: string }> = {
  nul: { zh: '文本不能包含空字符（U+0000）', en: 'text must not contain the NUL character (U+0000)' },
  surrogate: { zh: '文本含有不成对的代理字符（无效的 UTF-16）', en: 'text contains a lone surrogate (invalid UTF-16)' },
  depth: { zh: `变量嵌套超过 ${MAX_VARIABLE_DEPTH} 层`, en: `variables are nested more than ${MAX_VARIABLE_DEPTH} levels deep` },
};

function unacceptableText(text: string): Unacceptable | null {
  if (text.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(text) ? 'surrogate' : null;
}

/** Walks the variables with a queue of its own, not recursion: any nesting a 1 MiB body allows is fine for the stack. */
function unacceptableVariables(variables: unknown): Unacceptable | null {
  const pending: [value: unknown, depth: number][] = [[variables, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value === 'string') {
      const problem = unacceptableText(value);
      if (problem) return problem;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_VARIABLE_DEPTH) return 'depth';
    const children = Array.isArray(value) ? value : [...Object.keys(value), ...Object.values(value)];
    for (const child of children) pending.push([child, depth + 1]);
  }
  return null;
}

/** By document: yoga's parser cache hands every request of the same query the same DocumentNode. */
const literalChecks = new WeakMap<DocumentNode, Unacceptable | null>();

function unacceptableLiteral(document: DocumentNode): Unacceptable | null {
  const known = literalChecks.get(document);
  if (known !== undefined) return known;
  const found = findUnacceptableLiteral(document);
  literalChecks.set(document, found);
  return found;
}

function findUnacceptableLiteral(document: DocumentNode): Unacceptable | null {
  let found: Unacceptable | null = null;
  visit(document, {
    StringValue(node) {
      found = unacceptableText(node.value);
      return found ? BREAK : undefined;
    },
  });
  return found;
}

/**
 * Refuses any operation whose variables or literals carry text no field can take, as
 * INVALID_INPUT before a resolver runs: otherwise the database would refuse it half-way
 * (or store something else) and the client would only see a masked internal error.
 */
function useRejectUnstorableText(): Plugin {
  const check = ({ args, setResultAndStopExecution }: { args: ExecutionArgs; setResultAndStopExecution: (result: ExecutionResult) => void }) => {
    const problem = unacceptableVariables(args.variableValues) ?? unacceptableLiteral(args.document);
    if (!problem) return;
    const locale = (args.contextValue as Context).locale;
    const error = new AppError('INVALID_INPUT', { detail: inLocale(UNACCEPTABLE_DETAIL[problem], locale) });
    setResultAndStopExecution({ errors: [toGraphQLError(error, locale)] });
  };
  return { onExecute: check, onSubscribe: check };
}

/**
 * The cost limit runs when the operation is executed, not validated: only then are the
 * variables known, so `first: $n` costs what `first: 500` would (server/operation-cost.ts).
 */
function useOperationCostLimit(): Plugin {
  const check = ({ args, setResultAndStopExecution }: { args: ExecutionArgs; setResultAndStopExecution: (result: ExecutionResult) => void }) => {
    if (cachedOperationCost(args) <= OPERATION_LIMITS.cost) return;
    setResultAndStopExecution({ errors: [new GraphQLError(refusalMessage('cost'), { extensions: { code: 'OPERATION_LIMIT', limit: 'cost' } })] });
  };
  return { onExecute: check, onSubscribe: check };
}

/**
 * Costs of operations without variables, by document and operation name (the schema never changes).
 * With variables the cost is computed each time: they may be anything a client sends, e.g. nested
 * deeper than JSON.stringify could key them.
 */
const operationCosts = new WeakMap<DocumentNode, Map<string, number>>();

function cachedOperationCost({ schema, document, operationName, variableValues }: ExecutionArgs): number {
  if (variableValues && Object.keys(variableValues).length > 0) return operationCost(schema, document, operationName, variableValues);
  let costs = operationCosts.get(document);
  if (!costs) {
    costs = new Map();
    operationCosts.set(document, costs);
  }
  const key = operationName ?? '';
  let cost = costs.get(key);
  if (cost === undefined) {
    cost = operationCost(schema, document, operationName, variableValues);
    costs.set(key, cost);
  }
  return cost;
}

/** Custom header a browser cannot send cross-site without a CORS preflight. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';
const CSRF_HEADERS = [CSRF_HEADER, 'apollo-require-preflight'];
/** Content types a browser sends cross-site without a preflight ("simple" requests). */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Yoga's CSRF prevention, answered like every other refusal: 403 with a code and a message in
 * the request's language. A request without a content type (any GET) or with a simple one
 * must carry a custom header, which forces a browser's CORS preflight.
 */
function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const contentType = request.headers.get('content-type')?.toLowerCase();
      const preflighted = contentType !== undefined && !SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple));
      if (preflighted || CSRF_HEADERS.some((header) => request.headers.has(header))) return;
      const locale = pickLocale(request.headers.get('accept-language'));
      throw createGraphQLError(formatMessage('CSRF_HEADER_REQUIRED', locale), { extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } } });
    },
  };
}

export function securityPlugins({ production }: { production: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    useCsrfPrevention(),
    maxDepthPlugin({ n: OPERATION_LIMITS.depth, flattenFragments: true, ...typedRefusal('depth') }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.aliases, ...typedRefusal('aliases') }),
    maxTokensPlugin({ n: OPERATION_LIMITS.tokens, ...typedRefusal('tokens') }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.directives, ...typedRefusal('directives') }),
    useOperationCostLimit(),
    blockFieldSuggestionsPlugin({ mask: '' }),
    useRejectUnstorableText(),
  ];
  if (production) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
