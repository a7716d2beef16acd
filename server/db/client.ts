import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { openPglite, openPostgres, type SqlDriver } from './driver.js';

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  /** Raw driver on the same database, for migrations and hot paths. */
  sql: SqlDriver;
  /** Where the data lives, for logs: never includes a password. */
  description: string;
  /** The embedded database's whole data directory as a tarball (backups, test snapshots); PGlite only. */
  dump?: () => Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** PGlite only: start from this dump instead of an empty or existing data directory. */
  snapshot?: Uint8Array;
  /** PostgreSQL only: a pooled connection died; the pool replaces it by itself. */
  onConnectionLost?: (error: Error) => void;
}

export async function openDatabase({ databaseUrl, dataDir, snapshot, onConnectionLost }: DatabaseOptions): Promise<Database> {
  if (databaseUrl) {
    const { driver, pool } = openPostgres(databaseUrl, onConnectionLost);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      sql: driver,
      description: `postgresql ${redactUrl(databaseUrl)}`,
      async close() {
        await prisma.$disconnect();
        await driver.close();
      },
    };
  }
  const { driver, pglite } = await openPglite(dataDir, snapshot);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    sql: driver,
    description: dataDir === 'memory://' ? 'pglite (in memory)' : `pglite ${dataDir}`,
    dump: async () => new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer()),
    async close() {
      await prisma.$disconnect();
      await driver.close();
    },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
