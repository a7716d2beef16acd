/** W2: batch approvals over HTTP by four reviewers, against a plain UPDATE of the same rows. */
import { SIZE, W2_REVIEWERS, W2_BATCH, STAFF_PASSWORD, log, rows } from '../lib/context.js';
import { globalId, gql, login, timeIt } from '../lib/http.js';
import { cpuMs } from '../lib/statements.js';
import { fmt, fmtInt } from '../lib/stats.js';
import type { Target } from '../lib/target.js';

export const APPROVE = `mutation ($items: [ItemRefInput!]!) { approveItems(items: $items) { __typename ... on MutationApproveItemsSuccess { data { approved failed } } ... on Error { code message } } }`;

export async function w2Review(target: Target) {
  log('W2: batch review');
  const { db } = target;
  const library = await db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library' }, include: { credential: true } });
  const usernames = ['library'];
  for (let i = 2; i <= W2_REVIEWERS; i++) {
    const username = `library-bench-${i}`;
    await db.prisma.reviewer.create({
      data: {
        username,
        name: `图书馆审核员${i}`,
        roles: ['DEPARTMENT_REVIEWER'],
        departmentId: library.departmentId,
        credential: { create: { passwordHash: library.credential!.passwordHash, mustChangePassword: false } },
      },
    });
    usernames.push(username);
  }
  const tokens = await Promise.all(usernames.map((u) => login(target, u, STAFF_PASSWORD)));
  const perReviewer = SIZE.w2BatchesPerReviewer * W2_BATCH;
  const available = await db.sql.query<{ id: string }>(
    `SELECT i.id FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" LIMIT $1`,
    [perReviewer * W2_REVIEWERS],
  );
  const batches = Math.floor(available.length / (W2_REVIEWERS * W2_BATCH));
  if (batches === 0) throw new Error(`W2: only ${available.length} pending LIBRARY items`);
  // Each reviewer gets every 4th student (each student has one LIBRARY item): no two reviewers lock the same sheet.
  const ids = available.slice(0, batches * W2_REVIEWERS * W2_BATCH).map((r) => r.id);
  const shares = Array.from({ length: W2_REVIEWERS }, (_, r) => ids.filter((_, i) => i % W2_REVIEWERS === r));
  const total = ids.length;

  const restore = () =>
    db.sql.query(
      `UPDATE "ClearanceItem" SET status = 'PENDING', source = NULL, "decidedById" = NULL, "decidedAt" = NULL, "waitingSince" = now(), version = version + 1, "updatedAt" = now() WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  let serverCpu = 0;
  const service = async () => {
    const cpuBefore = cpuMs(target.serverPid);
    try {
      return await serviceRun();
    } finally {
      const cpuAfter = cpuMs(target.serverPid);
      if (cpuBefore !== null && cpuAfter !== null) serverCpu += cpuAfter - cpuBefore;
    }
  };
  const serviceRun = async () => {
    const versions = new Map(
      (await db.sql.query<{ id: string; version: number }>(`SELECT id, version FROM "ClearanceItem" WHERE id = ANY($1::uuid[])`, [ids])).map((r) => [
        r.id,
        r.version,
      ]),
    );
    const bodies = shares.map((share) =>
      Array.from({ length: batches }, (_, b) => ({
        items: share.slice(b * W2_BATCH, (b + 1) * W2_BATCH).map((id) => ({ id: globalId('ClearanceItem', id), expectedVersion: versions.get(id)! })),
      })),
    );
    let approved = 0;
    const { ms } = await timeIt(() =>
      Promise.all(
        bodies.map(async (reviewerBatches, r) => {
          for (const variables of reviewerBatches) {
            const result = await gql(target, APPROVE, variables, tokens[r]);
            const data = result.data?.approveItems?.data;
            if (!data) throw new Error(`approveItems failed: ${JSON.stringify(result).slice(0, 500)}`);
            approved += data.approved as number;
          }
        }),
      ),
    );
    return { ms, approved };
  };
  const plain = async () => {
    let approved = 0;
    const { ms } = await timeIt(() =>
      Promise.all(
        shares.map(async (share) => {
          for (let b = 0; b < batches; b++) {
            const [row] = await db.sql.query<{ n: number }>(
              `WITH u AS (UPDATE "ClearanceItem" SET status = 'APPROVED', source = 'REVIEWER', "decidedById" = $2::uuid, "decidedAt" = now(), "waitingSince" = NULL, version = version + 1, "updatedAt" = now()
                          WHERE id = ANY($1::uuid[]) AND status = 'PENDING' RETURNING 1) SELECT count(*)::int AS n FROM u`,
              [share.slice(b * W2_BATCH, (b + 1) * W2_BATCH), library.id],
            );
            approved += row!.n;
          }
        }),
      ),
    );
    return { ms, approved };
  };
  const svc = { ms: 0, approved: 0 };
  const base = { ms: 0, approved: 0 };
  for (let round = 0; round < SIZE.w2Rounds; round++) {
    const b = await plain();
    await restore();
    const s = await service();
    await restore();
    base.ms += b.ms;
    base.approved += b.approved;
    svc.ms += s.ms;
    svc.approved += s.approved;
    log(
      `W2 round ${round + 1}: service ${fmtInt((s.approved / s.ms) * 1000)}/s (${s.approved} in ${fmt(s.ms)} ms), plain UPDATE ${fmtInt((b.approved / b.ms) * 1000)}/s`,
    );
  }
  const rate = (svc.approved / svc.ms) * 1000;
  const baseRate = (base.approved / base.ms) * 1000;
  rows.push({
    id: 'W2',
    what: `batch review: ${W2_REVIEWERS} reviewers in parallel × ${batches} batches of ${W2_BATCH} LIBRARY items via approveItems over HTTP (${SIZE.w2Rounds} rounds, ${fmtInt(total)} decisions each)`,
    result: `${fmtInt(rate)} decisions/s (${fmtInt(svc.approved)} approved in ${fmt(svc.ms / 1000, 2)} s)`,
    baseline: `${fmtInt(baseRate)} rows/s: plain UPDATE … WHERE id = ANY($1) of the same batches, 4 connections`,
    ratio: `${fmt(rate / baseRate, 2)}× of plain UPDATE`,
    target: '≥ 10,000 decisions/s',
    met: rate >= 10_000 && svc.approved === total * SIZE.w2Rounds,
    notes: [
      `Through the whole server: auth, GraphQL, changeItems (sheet locks, version checks, state machine, relock, clearedAt, ClearanceEvent rows with reserved seqs, counter triggers), publish after commit. Reviewers' students are disjoint (every 4th student), as four desks splitting a queue would be.`,
      ...(serverCpu > 0
        ? [
            `Server process CPU per decision ≈ ${fmt((serverCpu / svc.approved) * 1000, 1)} µs (${fmt(serverCpu / 1000, 2)} s CPU over ${fmt(svc.ms / 1000, 2)} s wall).`,
          ]
        : []),
      `The plain UPDATE baseline also fires the counter triggers (they are on the table) but writes no events and takes no sheet locks. Items are put back to PENDING (untimed) between runs; runs alternate.`,
    ],
  });
}
