import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

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
  cost: 20_000,
} as const;

/** Custom header a browser cannot send cross-site without a CORS preflight. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export function securityPlugins({ production }: { production: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER, 'apollo-require-preflight'] }) as Plugin,
    maxDepthPlugin({ n: OPERATION_LIMITS.depth, flattenFragments: true, exposeLimits: false, errorMessage: 'Query is too deep / 查询嵌套过深' }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.aliases, exposeLimits: false, errorMessage: 'Too many aliases / 别名过多' }),
    maxTokensPlugin({ n: OPERATION_LIMITS.tokens, exposeLimits: false, errorMessage: 'Query is too large / 查询过大' }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.directives, exposeLimits: false, errorMessage: 'Too many directives / 指令过多' }),
    costLimitPlugin({ maxCost: OPERATION_LIMITS.cost, exposeLimits: false, errorMessage: 'Query is too expensive / 查询代价过高' }),
    blockFieldSuggestionsPlugin({ mask: '' }),
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
