import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_TITLE = '离校 Lixiao · GraphiQL';

/** What a newcomer sees first: a public query that answers without signing in. */
export const GRAPHIQL_DEFAULT_QUERY = `# 离校 Lixiao: run with ▶ (Ctrl+Enter).
# Signed in (login mutation)? Headers:
# {"Authorization": "Bearer <accessToken>"}
query Cohorts {
  cohorts {
    year
    name
  }
}
`;

/**
 * GraphiQL with its CSS, script, Monaco workers and favicon inline, from the npm package: yoga's
 * own page loads them from a CDN, which a campus network without internet cannot reach.
 * The page is about 9 MB, so each distinct set of options is rendered once.
 */
const rendered = new Map<string, string>();

export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  const key = JSON.stringify(options);
  let page = rendered.get(key);
  if (page === undefined) {
    page = renderGraphiQL({ defaultQuery: GRAPHIQL_DEFAULT_QUERY, ...options, title: GRAPHIQL_TITLE });
    rendered.set(key, page);
  }
  return page;
}
