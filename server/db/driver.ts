import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The raw SQL surface below Prisma: multi-statement scripts (migrations) and
 * parameterised queries, on the same database the Prisma client uses.
 */
export interface SqlDriver {
  readonly kind: 'pglite' | 'postgres';
  /** Runs a script of several statements (simple query protocol). */
  exec(script: string): Promise<void>;
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlSession = Pick<SqlDriver, 'exec' | 'query'>;

/** `snapshot`: a data-directory dump (PGlite's dumpDataDir) to start from. */
export async function openPglite(dataDir: string, snapshot?: Uint8Array): Promise<{ driver: SqlDriver; pglite: PGlite }> {
  const inMemory = dataDir === 'memory://';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(inMemory ? undefined : dataDir, snapshot ? { loadDataDir: new Blob([new Uint8Array(snapshot)]) } : {});
  const session = (db: Pick<PGlite, 'exec' | 'query'>): SqlSession => ({
    async exec(script) {
      await db.exec(script);
    },
    async query<Row>(text: string, params: unknown[] = []) {
      return (await db.query<Row>(text, params)).rows;
    },
  });
  const driver: SqlDriver = {
    kind: 'pglite',
    ...session(pglite),
    transaction: (work) => pglite.transaction((tx) => work(session(tx))),
    close: () => pglite.close(),
  };
  return { driver, pglite };
}

/**
 * `onConnectionLost`: a pooled connection died (PostgreSQL restarted, network cut).
 * The pool drops it and the next query opens a new one, so the server recovers
 * by itself once PostgreSQL is back; this only reports it.
 */
export function openPostgres(url: string, onConnectionLost: (error: Error) => void = () => undefined): { driver: SqlDriver; pool: pg.Pool } {
  // A server that never answers fails the request after 10 s instead of hanging it (a refused one fails at once); keep-alive notices dead peers.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000, keepAlive: true });
  // Without a listener, an idle connection's error would be an uncaught 'error' event and end the process.
  pool.on('error', onConnectionLost);
  const session = (client: pg.Pool | pg.PoolClient): SqlSession => ({
    async exec(script) {
      await client.query(script);
    },
    async query<Row>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as Row[];
    },
  });
  const driver: SqlDriver = {
    kind: 'postgres',
    ...session(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A connection lost mid-transaction fails the pending query; the client's 'error' event must not end the process.
      client.on('error', onConnectionLost);
      try {
        await client.query('BEGIN');
        const result = await work(session(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', onConnectionLost);
        client.release();
      }
    },
    close: () => pool.end(),
  };
  return { driver, pool };
}
