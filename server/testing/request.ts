import type { TypedDocumentString } from './generated/graphql.js';
import { LOGIN } from './documents.js';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown>; path?: (string | number)[] }[];
}

export type Headers = Record<string, string>;

/** A typed document's variables, optional when it has no required ones. */
export type VariablesArgument<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

/** The same, then extra headers. */
export type OperationArguments<V> = Record<string, never> extends V ? [variables?: V, headers?: Headers] : [variables: V, headers?: Headers];

/** A document made by graphql(`…`) from server/testing/generated (npm run codegen): its answer and variables are typed. */
export type TypedDocument<R, V> = TypedDocumentString<R, V>;

/** POSTs one typed operation as JSON and returns the parsed body. */
export function request<R, V>(url: string, document: TypedDocument<R, V>, ...[variables, headers]: OperationArguments<V>): Promise<GraphQLResponse<R>> {
  return requestText(url, document.toString(), variables as Record<string, unknown> | undefined, headers);
}

/**
 * POSTs an untyped query text. Only for what no typed document can express (malformed or
 * over-limit requests, generated aliases) and for suites not converted yet: new tests use `request`.
 */
export async function requestText(url: string, query: string, variables?: Record<string, unknown>, headers?: Headers): Promise<GraphQLResponse<any>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<any>;
}

/** Logs in at the GraphQL endpoint `url` and returns the access token (throws with the server's answer on failure). */
export async function logIn(url: string, username: string, password: string): Promise<string> {
  const result = await request(url, LOGIN, { username, password });
  const login = result.data?.login;
  if (login?.__typename !== 'MutationLoginSuccess') throw new Error(`login ${username} failed: ${JSON.stringify(result)}`);
  return login.data.accessToken;
}

/** The `data` of a field's `…Success` answer (the errors plugin's result types); fails the test with the answer otherwise. */
export function success<A extends { __typename: string }>(answer: A | null | undefined): SuccessData<A> {
  if (answer?.__typename.endsWith('Success') && 'data' in answer) return answer.data as SuccessData<A>;
  throw new Error(`expected a success, got ${JSON.stringify(answer)}`);
}

type SuccessData<A> = A extends { data: infer D } ? D : never;

/** A field's error answer (`code`, `message`, …); fails the test with the answer otherwise. */
export function failure<A extends { __typename: string }>(answer: A | null | undefined): Extract<A, { code: unknown }> {
  if (answer && 'code' in answer) return answer as Extract<A, { code: unknown }>;
  throw new Error(`expected an error, got ${JSON.stringify(answer)}`);
}
