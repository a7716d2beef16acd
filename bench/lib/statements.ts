/**
 * Profile evidence: SQL statements per operation, counted by wrapping pg.Client#query
 * in the bench process (pg_stat_statements is not installed). An in-process copy of the
 * app runs on the bench's own pool so its statements are visible; the server process
 * under load is the same code.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

let recording: string[] | null = null;
/** Rows the recorded statements returned to the client. */
let rowsReturned = 0;
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args) as Promise<{ rows?: unknown[] }> | undefined;
    if (recording) {
      const first = args[0] as string | { text?: string };
      recording.push(typeof first === 'string' ? first : String(first?.text ?? ''));
      if (typeof result?.then === 'function') {
        result.then(
          (answer) => void (rowsReturned += answer?.rows?.length ?? 0),
          () => undefined,
        );
      }
    }
    return result;
  };
}

export async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[]; rows: number }> {
  install();
  const statements: string[] = [];
  recording = statements;
  rowsReturned = 0;
  try {
    const result = await work();
    return { result, statements, rows: rowsReturned };
  } finally {
    recording = null;
  }
}

/** Statement kinds and the first table each reads, e.g. "3 SELECT, 1 BEGIN; Student ×2, Credential ×1". */
export function describe(statements: string[]): string {
  const kinds = new Map<string, number>();
  const tables = new Map<string, number>();
  for (const s of statements) {
    const kind = s.trim().split(/\s+/)[0]?.toUpperCase() ?? '?';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const table = /(?:FROM|UPDATE|INTO)\s+(?:"public"\.)?"(\w+)"/i.exec(s)?.[1];
    if (table) tables.set(table, (tables.get(table) ?? 0) + 1);
  }
  const list = (m: Map<string, number>, sep: string) => [...m].map(([k, n]) => (sep === ' ' ? `${n} ${k}` : `${k} ×${n}`)).join(', ');
  return `${list(kinds, ' ')}${tables.size ? `; ${list(tables, '×')}` : ''}`;
}

/** CPU milliseconds (user + system) a process has used so far, from /proc (Linux only). */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return null;
  }
}
