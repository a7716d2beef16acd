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

export function openPostgres(url: string): { driver: SqlDriver; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
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
      try {
        await client.query('BEGIN');
        const result = await work(session(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
  return { driver, pool };
}
