import pg from 'pg';

/**
 * On a laptop without PostgreSQL the PostgreSQL suites are skipped with one clear
 * line; where TEST_DATABASE_URL is set (CI) an unreachable server fails the run.
 */
export default async function globalSetup() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.log('skipped: no PostgreSQL (TEST_DATABASE_URL is not set); database suites run on embedded PGlite only');
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
