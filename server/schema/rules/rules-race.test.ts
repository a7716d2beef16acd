import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studentRows, STUDENT_HEADER_ZH, utf8Csv } from '../../testing/import-files.js';
import { TEST_DATABASE_URL } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { clients, findStudents, itemOf, ref } from '../../testing/demo.js';
import { APPLY_RULE_CHANGE, APPROVE } from '../../testing/documents.js';
import type { RuleChangeInput } from '../../testing/generated/graphql.js';
import { backendsBlockedBy } from '../../testing/locks.js';
import { success } from '../../testing/request.js';
import { waitFor } from '../../testing/wait.js';

/**
 * A rule change racing a decision and an import (PostgreSQL only: the embedded
 * database runs one transaction at a time, so nothing can race there). The apply is
 * held just before its commit by a lock on the event counter, which it takes last.
 */
if (!TEST_DATABASE_URL) console.log('skipped: no PostgreSQL (TEST_DATABASE_URL); the rule-change race suite did not run');

const IMPORT = `mutation ($file: File!) { importStudents(file: $file, dryRun: false) { __typename ... on MutationImportStudentsSuccess { data { applied created } } } }`;

describe.runIf(TEST_DATABASE_URL)('a rule change racing decisions and imports (PostgreSQL)', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => {
    server = await startTestServer({ backend: 'postgres', demo: true });
    api = clients(server);
  });
  afterAll(() => server?.close());

  /** Runs `during` while the apply of `input` waits to commit; returns the apply's answer and `during`'s. */
  async function whileApplyWaitsToCommit<T>(input: Omit<RuleChangeInput, 'cohortYear'>, during: () => Promise<T>) {
    const admin = await api.staff('admin');
    const { ruleSetVersion } = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: (pid: number) => void;
    const holding = new Promise<number>((resolve) => (held = resolve));
    const holder = server.db.sql.transaction(async (tx) => {
      const [own] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await tx.query('SELECT value FROM "EventCounter" WHERE id = 1 FOR UPDATE');
      held(own!.pid);
      await released;
    });
    const holderPid = await holding;
    const blocked = (pids: number[]) => backendsBlockedBy((text, params) => server.db.sql.query<{ pid: number }>(text, params), pids);
    const applying = api.as(admin, APPLY_RULE_CHANGE, { input: { cohortYear: 2020, ...input }, version: ruleSetVersion });
    const [applyPid] = await waitFor(
      async () => {
        const waiting = await blocked([holderPid]);
        return waiting.length > 0 && waiting;
      },
      30_000,
      'the apply to have written its rows and wait for the counter',
    );
    const racing = during();
    await waitFor(async () => (await blocked([holderPid, applyPid!])).some((pid) => pid !== applyPid), 30_000, 'the racer to wait for the apply');
    release();
    await holder;
    const [applied, raced] = await Promise.all([applying, racing]);
    expect(success(applied.data?.applyRuleChange)).toMatchObject({ applied: true });
    return raced;
  }

  it('a decision waiting for the rule change re-locks with the new prerequisites', async () => {
    // FINANCE now waits for LIBRARY; the student's LIBRARY is pending, so the change locks FINANCE.
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 1, 3);
    expect((await itemOf(server, student!.number, 'FINANCE')).status).toBe('PENDING');
    expect((await itemOf(server, student!.number, 'LIBRARY')).status).toBe('PENDING');
    const career = await itemOf(server, student!.number, 'CAREER');
    const token = await api.staff('career');
    const decided = await whileApplyWaitsToCommit({ template: { code: 'FINANCE', prerequisites: ['LIBRARY'] } }, () =>
      api.as(token, APPROVE, { items: [ref(career)] }),
    );
    expect(success(decided.data?.approveItems)).toEqual({ approved: 1, failed: 0 });
    // With the prerequisites read before the wait, the decision's re-lock would have reopened FINANCE.
    expect((await itemOf(server, student!.number, 'FINANCE')).status).toBe('LOCKED');
  });

  it('an import waiting for the rule change builds sheets by the new rules', async () => {
    const admin = await api.staff('admin');
    const rows = studentRows(1, '2020980');
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([utf8Csv([[...STUDENT_HEADER_ZH], ...rows]) as Uint8Array<ArrayBuffer>]), 'students.csv');
    const imported = await whileApplyWaitsToCommit({ template: { code: 'CAREER', active: false } }, async () => {
      const response = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'x-graphql-yoga-csrf': '1' }, body: form });
      return (await response.json()) as { data: { importStudents: { data: { applied: boolean; created: number } } } };
    });
    expect(imported.data.importStudents.data).toEqual({ applied: true, created: 1 });
    // Built from the templates as committed: CAREER is off, so the new student has no CAREER item.
    const number = String(rows[0]![0]);
    const codes = (await server.db.prisma.clearanceItem.findMany({ where: { student: { number } }, include: { template: true } })).map(
      (item) => item.template.code,
    );
    expect(codes.length).toBeGreaterThan(5);
    expect(codes).not.toContain('CAREER');
  });
});
