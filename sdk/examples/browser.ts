/**
 * A reviewer's page: log in, count the pending items, show a failure with its code. Bundle it with
 * Vite or esbuild; the API must list the page's origin in CORS_ORIGINS unless it is the same origin.
 */
import { createClient, LixiaoError } from '@lixiao/sdk';

export async function showPending(apiUrl: string, username: string, password: string, out: HTMLElement): Promise<void> {
  const client = createClient({ url: apiUrl, locale: 'zh-CN' });
  try {
    await client.login(username, password);
    const page = await client.reviewQueue({ filter: { status: ['PENDING'] }, first: 20 });
    out.textContent = JSON.stringify({ ok: true, pending: page.counts.pending, first: page.edges[0]?.node.student.name ?? null });
  } catch (error) {
    if (!(error instanceof LixiaoError)) throw error;
    // NETWORK_ERROR from another origin names CORS_ORIGINS as the likely cause.
    out.textContent = JSON.stringify({ ok: false, code: error.code, message: error.message });
  } finally {
    await client.dispose();
  }
}
