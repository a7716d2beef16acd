import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8Csv } from '../testing/import-files.js';
import { type clients, INTEGRATION_TOKEN, openDemoServer } from '../testing/demo.js';
import { RawSocket } from '../testing/raw-socket.js';
import type { TestServer } from '../testing/server.js';
import { uploadImport } from '../testing/live.js';
import { graphql } from '../testing/generated/index.js';

const STAFF_HEADER = ['工号', '姓名', '角色', '部门', '培养单位', '校区', '初始密码'];
const GEMMOLOGY_STATS = graphql(`
  query AccountChangesGemmologyStats {
    cohortStats(year: 2020, collegeCode: "GEMMOLOGY") { graduates }
  }
`);
const STATS = (college: string) => `subscription { cohortStatsUpdated(year: 2020, collegeCode: "${college}") { graduates } }`;

/** A socket keeps the viewer it was opened as, so an account change ends it at once (4403 with the reason), on every process. */
describe('open sockets after account changes', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  const watchStats = async (token: string, college: string) => {
    const socket = await new RawSocket(server.wsUrl).init({ authorization: `Bearer ${token}` });
    socket.send({ type: 'subscribe', id: 'stats', payload: { query: STATS(college) } });
    await socket.next((m) => m.id === 'stats' && m.type === 'next');
    return socket;
  };

  it("ends a demoted college admin's dashboard socket within a second of importStaff, and only that one", async () => {
    const demotedToken = await api.staff('xgz-gemmology');
    // The same token over HTTP before the change: its session is now one this process has read (and keeps a few seconds).
    expect((await api.as(demotedToken, GEMMOLOGY_STATS)).data?.cohortStats.graduates).toBeGreaterThan(0);
    const demoted = await watchStats(demotedToken, 'GEMMOLOGY');
    const untouched = await watchStats(await api.staff('xgz-marxism'), 'MARXISM');
    const report = await uploadImport(
      server,
      await api.staff('admin'),
      'importStaff',
      utf8Csv([STAFF_HEADER, ['xgz-gemmology', '珠宝学院学工组', 'COLLEGE_REVIEWER', 'STUDENT_WORK_GROUP', 'GEMMOLOGY', '', '']]),
    );
    expect(report.updated).toBe(1);
    const answered = Date.now();
    const closed = await demoted.closed;
    expect(Date.now() - answered).toBeLessThan(1000);
    expect(closed).toEqual({ code: 4403, reason: 'Account changed' });
    // The next request, with the same token, and a reconnect bring the new scope: the college's numbers are no longer theirs.
    const again = await api.as(demotedToken, GEMMOLOGY_STATS);
    expect(again.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(untouched.socket.readyState).toBe(untouched.socket.OPEN);
    untouched.close();
  });

  it('re-checks API-token sockets the same way: a replaced token ends the socket', async () => {
    const integration = await new RawSocket(server.wsUrl).init({ authorization: `Bearer ${INTEGRATION_TOKEN}` });
    expect((await integration.run('q', '{ cohort(year: 2020) { year } }')).results).toEqual([{ data: { cohort: { year: 2020 } } }]);
    // Rotated outside the API (no mutation exists for it), then any staff change makes every process re-check.
    await server.db.prisma.reviewer.update({ where: { username: 'library-sync' }, data: { apiTokenHash: 'rotated' } });
    await uploadImport(
      server,
      await api.staff('admin'),
      'importStaff',
      utf8Csv([STAFF_HEADER, ['xgz-marxism', '马克思主义学院学工组（改）', 'COLLEGE_REVIEWER,COLLEGE_ADMIN', 'STUDENT_WORK_GROUP', 'MARXISM', '', '']]),
    );
    expect(await integration.closed).toEqual({ code: 4403, reason: 'Account changed' });
  });
});
