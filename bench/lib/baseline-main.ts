/** Child process for the W1 baseline on PostgreSQL: pg.Pool (max 10, like the server) + createBaselineServer. */
import pg from 'pg';
import { createBaselineServer } from './baseline-sheet.js';

const pool = new pg.Pool({ connectionString: process.env.BASELINE_DATABASE_URL, max: 10 });
const { listen } = createBaselineServer(async (text, params) => (await pool.query(text, params)).rows, process.env.JWT_SECRET!);
const url = await listen();
process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
process.on('SIGTERM', () => void pool.end().finally(() => process.exit(0)));
