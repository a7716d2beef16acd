/** Lock probes (PostgreSQL): a test holding a lock waits until the work it stops is really waiting on it. */

type Query = (text: string, params: unknown[]) => Promise<readonly { pid: number }[]>;

/** Server processes waiting for a lock held by, or queued before them behind, one of `pids`. */
export async function backendsBlockedBy(query: Query, pids: number[]): Promise<number[]> {
  const rows = await query('SELECT pid FROM pg_stat_activity WHERE pg_blocking_pids(pid) && $1::int[] ORDER BY pid', [pids]);
  return rows.map((row) => row.pid);
}
