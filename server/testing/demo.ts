import { createHash } from 'node:crypto';
import { hashPassword } from '../auth/password.js';
import { globalId } from './ids.js';
import type { Headers, OperationArguments, TypedDocument } from './request.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/** Helpers for the reviewer and admin journey tests (not a test file itself). */

export const STAFF_PASSWORD = 'Lixiao@2020';
export const STUDENT_PASSWORD = 'Graduate#2020';
/** The demo integration account's API token (library-sync; server/seed/demo.ts prints it). */
export const INTEGRATION_TOKEN = `lxi_demo_${createHash('sha256').update('lixiao-demo-library-sync').digest('hex').slice(0, 32)}`;

export function clients(server: TestServer) {
  const tokens = new Map<string, Promise<string>>();

  /** A staff account's access token, logged in once per test file. */
  const staff = (username: string) => {
    let token = tokens.get(username);
    if (!token) {
      token = server.login(username, STAFF_PASSWORD);
      tokens.set(username, token);
    }
    return token;
  };

  /** A student's access token: the initial password is replaced directly in the database first. */
  const student = async (number: string) => {
    const key = `student:${number}`;
    let token = tokens.get(key);
    if (!token) {
      token = (async () => {
        const row = await server.db.prisma.student.findUniqueOrThrow({ where: { number } });
        await server.db.prisma.credential.update({
          where: { studentId: row.id },
          data: { passwordHash: await hashPassword(STUDENT_PASSWORD), mustChangePassword: false },
        });
        return server.login(number, STUDENT_PASSWORD);
      })();
      tokens.set(key, token);
    }
    return token;
  };

  /** Runs a typed operation with a bearer token (a JWT or an integration's API token). */
  const as = <R, V>(token: string, document: TypedDocument<R, V>, ...[variables, headers]: OperationArguments<V>) =>
    server.gql(document, ...([variables, { authorization: `Bearer ${token}`, ...headers }] as OperationArguments<V>));

  /** The same with an untyped query text (see requestText: not for new tests). */
  const asText = (token: string, query: string, variables?: Record<string, unknown>, headers: Headers = {}) =>
    server.gqlText(query, variables, { authorization: `Bearer ${token}`, ...headers });

  return { staff, student, as, asText };
}

/** A server with the demo data and its clients, for one test file or describe block. */
export async function openDemoServer(options: Omit<TestServerOptions, 'demo'> = {}) {
  const server = await startTestServer({ ...options, demo: true });
  return { server, api: clients(server) };
}

/**
 * Runs `work` while every insert into the history fails in the database, as a full
 * disk would: a decision then fails after its items were updated, inside its transaction.
 */
export async function whileHistoryWritesFail<T>(server: TestServer, work: () => Promise<T>): Promise<T> {
  await server.db.sql.exec(`
    CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$;
    CREATE TRIGGER refuse_history BEFORE INSERT ON "ClearanceEvent" FOR EACH STATEMENT EXECUTE FUNCTION refuse_history();`);
  try {
    return await work();
  } finally {
    await server.db.sql.exec('DROP TRIGGER refuse_history ON "ClearanceEvent"; DROP FUNCTION refuse_history();');
  }
}

export interface ItemHandle {
  dbId: string;
  id: string;
  version: number;
  status: string;
}

/** The item `code` of the student `number` in the student's current cohort. */
export async function itemOf(server: TestServer, number: string, code: string): Promise<ItemHandle> {
  const item = await server.db.prisma.clearanceItem.findFirstOrThrow({
    where: { student: { number }, template: { code } },
    orderBy: { createdAt: 'desc' },
  });
  return { dbId: item.id, id: globalId('ClearanceItem', item.id), version: item.version, status: item.status };
}

export const ref = (item: ItemHandle) => ({ id: item.id, expectedVersion: item.version });

/**
 * Counts the SQL statements the server's embedded database runs while `work`
 * runs (PGlite only: wraps the client behind the Prisma adapter). Null on PostgreSQL.
 */
export async function countStatements<T>(server: TestServer, work: () => Promise<T>): Promise<{ result: T; statements: string[] | null }> {
  const client = (server.db.prisma as unknown as { _engineConfig?: { adapter?: { client?: { query?: (...args: unknown[]) => unknown } } } })._engineConfig
    ?.adapter?.client;
  if (!client?.query || server.db.sql.kind !== 'pglite') return { result: await work(), statements: null };
  const original = client.query;
  const statements: string[] = [];
  client.query = function (this: unknown, ...args: unknown[]) {
    statements.push(String(args[0]));
    return original.apply(this, args);
  };
  try {
    return { result: await work(), statements };
  } finally {
    client.query = original;
  }
}

/** Finds demo students by their facts; `skip` keeps tests on distinct students. */
export async function findStudents(
  server: TestServer,
  where: {
    category?: 'UNDERGRADUATE' | 'POSTGRADUATE_DUAL' | 'POSTGRADUATE_SINGLE';
    collegeCode?: string;
    campusCode?: string;
    secondSupervisor?: boolean;
    dormitory?: 'ON_CAMPUS' | 'OFF_CAMPUS_CHECKED_OUT' | 'OFF_CAMPUS_NOT_CHECKED_OUT';
  },
  count = 1,
  skip = 0,
) {
  return server.db.prisma.student.findMany({
    where: {
      cohort: { year: 2020 },
      ...(where.category ? { category: where.category } : {}),
      ...(where.collegeCode ? { college: { code: where.collegeCode } } : {}),
      ...(where.campusCode ? { campus: { code: where.campusCode } } : {}),
      ...(where.dormitory ? { dormitory: where.dormitory } : {}),
      ...(where.secondSupervisor === true ? { secondSupervisorId: { not: null } } : where.secondSupervisor === false ? { secondSupervisorId: null } : {}),
    },
    include: { college: true, campus: true, firstSupervisor: true, secondSupervisor: true },
    orderBy: { number: 'asc' },
    skip,
    take: count,
  });
}

export function slug(code: string): string {
  return code.toLowerCase().replaceAll('_', '-');
}
