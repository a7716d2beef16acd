/** The streamed summary list (汇总统计名单): GET …/exports/summary.csv|xlsx next to the GraphQL endpoint. */
import { fromGraphQLErrors, LixiaoError, type GraphQLResponse } from './errors.js';
import type { SessionState } from './session.js';
import { requestSignal, type RequestOptions, type Transport } from './transport.js';

export type SummaryFormat = 'csv' | 'xlsx';

export interface SummaryExportRequest {
  cohort: number;
  format: SummaryFormat;
  /** A college code (university admins); a college admin always gets their own college. */
  college?: string | null;
}

/** A streamed summary list (汇总统计名单): read `body` once. */
export interface SummaryDownload {
  body: ReadableStream<Uint8Array>;
  /** The server's file name, e.g. 汇总统计名单-2020.csv. */
  filename: string;
  contentType: string;
  format: SummaryFormat;
}

/** The export lives next to the GraphQL endpoint (…/graphql → …/exports/summary.csv), behind a path prefix too. */
function exportUrl(graphqlUrl: string, { cohort, format, college }: SummaryExportRequest): string {
  const url = new URL(`exports/summary.${format}`, graphqlUrl.replace(/\/+$/, ''));
  url.searchParams.set('cohort', String(cohort));
  if (college) url.searchParams.set('college', college);
  return url.href;
}

/** The RFC 5987 `filename*` of a Content-Disposition, else its plain `filename`. */
function filenameOf(disposition: string | null, fallback: string): string {
  const encoded = disposition?.match(/filename\*=UTF-8''([^;]+)/i)?.[1];
  if (encoded) {
    try {
      return decodeURIComponent(encoded);
    } catch {
      // A malformed encoding: the plain name below is as good.
    }
  }
  return disposition?.match(/filename="([^"]+)"/i)?.[1] ?? fallback;
}

/** The export answers failures as a GraphQL-shaped JSON body (`errors[0].extensions.code`). */
async function exportFailure(response: Response): Promise<LixiaoError> {
  const text = await response.text();
  let parsed: GraphQLResponse<unknown> | null = null;
  try {
    parsed = JSON.parse(text) as GraphQLResponse<unknown>;
  } catch {
    // Not JSON (a proxy's error page): reported by status below.
  }
  if (parsed?.errors?.length) return fromGraphQLErrors(parsed.errors, parsed, response.status);
  return new LixiaoError(response.status >= 500 ? 'NETWORK_ERROR' : 'BAD_RESPONSE', `HTTP ${response.status}: ${text.slice(0, 200)}`, {
    status: response.status,
    response: text,
  });
}

export function createExports(graphqlUrl: string, tokens: SessionState, transport: Transport) {
  return async function exportSummary(
    exportRequest: SummaryExportRequest,
    requestOptions: Pick<RequestOptions, 'signal' | 'headers' | 'timeoutMs'> = {},
  ): Promise<SummaryDownload> {
    const url = exportUrl(graphqlUrl, exportRequest);
    const download = async () => {
      const headers = await transport.headers({}, requestOptions, true);
      return transport.fetchOnce(url, { method: 'GET', headers }, requestSignal(requestOptions));
    };
    let response = await download();
    let failure = response.ok ? null : await exportFailure(response);
    if (failure?.code === 'TOKEN_EXPIRED' && tokens.refreshes && (await tokens.refresh())) {
      response = await download();
      failure = response.ok ? null : await exportFailure(response);
    }
    if (failure) throw failure;
    if (!response.body) throw new LixiaoError('BAD_RESPONSE', `HTTP ${response.status}: no body`, { status: response.status });
    return {
      body: response.body,
      filename: filenameOf(response.headers.get('content-disposition'), `summary-${exportRequest.cohort}.${exportRequest.format}`),
      contentType: response.headers.get('content-type') ?? '',
      format: exportRequest.format,
    };
  };
}
