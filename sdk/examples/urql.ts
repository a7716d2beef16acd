/**
 * urql with the SDK's generated documents. urql sends queries as POST by default (`preferGetMethod: false`
 * is spelled out here): a GET would need the CSRF header, which the fetchOptions add as well.
 */
import { Client, fetchExchange } from '@urql/core';
import { ReviewQueueDocument } from '@lixiao/sdk';

export function reviewClient(url: string, token: string): Client {
  return new Client({
    url,
    exchanges: [fetchExchange],
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' } }),
  });
}

export async function pendingCount(client: Client): Promise<number> {
  const result = await client.query(ReviewQueueDocument, { filter: { status: ['PENDING'] }, first: 1 }).toPromise();
  if (result.error) throw result.error;
  return result.data?.reviewQueue.counts.pending ?? 0;
}
