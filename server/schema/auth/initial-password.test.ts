import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalId, serialEndingInX, STUDENT_HEADER_ZH, studentRows, utf8Csv, type Cell } from '../../testing/import-files.js';
import { BACKENDS } from '../../testing/databases.js';
import { graphql } from '../../testing/generated/index.js';
import { failure, success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const LOGIN = graphql(`
  mutation InitialPasswordLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on MutationLoginSuccess { data { accessToken mustChangePassword } }
      ... on DomainError { code }
    }
  }
`);
const CHANGE = graphql(`
  mutation InitialPasswordChange($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) {
      __typename
      ... on MutationChangePasswordSuccess { data { accessToken mustChangePassword } }
      ... on DomainError { code }
    }
  }
`);
const SHEET = graphql(`
  query InitialPasswordSheet { viewer { __typename ... on Student { number } } }
`);
const NEW_PASSWORD = 'Chosen-pass-2026';

/** Each call from its own address (the server trusts one proxy), so the login throttle never gets in the way. */
let address = 0;
const fresh = () => ({ 'x-forwarded-for': `198.51.100.${++address}` });

describe.each(BACKENDS)('initial passwords are keyed hashes (PASSWORD_PEPPER) on %s', (backend) => {
  let server: TestServer;
  let adminToken: string;
  const login = async (username: string, password: string) => (await server.gql(LOGIN, { username, password }, fresh())).data!.login;
  const storedHash = async (where: { number: string } | { username: string }) =>
    'number' in where
      ? (await server.db.prisma.credential.findFirstOrThrow({ where: { student: where } })).passwordHash
      : (await server.db.prisma.credential.findFirstOrThrow({ where: { reviewer: where } })).passwordHash;

  async function importFile(mutation: 'importStudents' | 'importStaff', rows: Cell[][]) {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation ($file: File!) { ${mutation}(file: $file, dryRun: false) { ... on Error { code } ... on ${mutation === 'importStudents' ? 'MutationImportStudentsSuccess' : 'MutationImportStaffSuccess'} { data { applied created errorCount } } } }`,
        variables: { file: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([utf8Csv(rows) as Uint8Array<ArrayBuffer>]), 'import.csv');
    const response = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'x-graphql-yoga-csrf': '1' }, body: form });
    return ((await response.json()) as { data: Record<string, { data: { applied: boolean; created: number; errorCount: number } }> }).data[mutation]!.data;
  }

  const xSerial = serialEndingInX(700);
  const plainSerial = nationalId(701).endsWith('X') ? 702 : 701;
  const number = (serial: number) => `P${String(serial).padStart(6, '0')}`;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, env: { TRUST_PROXY: 'on' } });
    adminToken = await server.login('admin', 'Lixiao@2020');
    const rows = [...studentRows(1, 'P', xSerial), ...studentRows(1, 'P', plainSerial)];
    expect(await importFile('importStudents', [[...STUDENT_HEADER_ZH], ...rows])).toEqual({ applied: true, created: 2, errorCount: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('imported students log in with their initial password, with X or x, and must change it first', async () => {
    expect(await storedHash({ number: number(xSerial) })).toMatch(/^hmac-sha256\$[\w-]+\$[\w+/=]+\$[\w+/=]+$/);
    const initial = nationalId(xSerial).slice(-6);
    expect(initial.endsWith('X')).toBe(true);
    for (const typed of [initial, initial.toLowerCase()]) {
      const session = await login(number(xSerial), typed);
      expect(session).toMatchObject({ __typename: 'MutationLoginSuccess', data: { mustChangePassword: true } });
      const blocked = await server.gql(SHEET, {}, { authorization: `Bearer ${success(session).accessToken}` });
      expect(blocked.errors?.[0]?.extensions?.code).toBe('PASSWORD_CHANGE_REQUIRED');
    }
    expect(failure(await login(number(xSerial), nationalId(plainSerial).slice(-6))).code).toBe('INVALID_CREDENTIALS');
    expect(failure(await login(number(xSerial), `${initial.slice(0, 5)}0`)).code).toBe('INVALID_CREDENTIALS');
  });

  it('after the forced change the chosen password is an scrypt hash, and the initial one stops working', async () => {
    const initial = nationalId(plainSerial).slice(-6);
    const session = await login(number(plainSerial), initial);
    const changed = await server.gql(CHANGE, { current: initial, next: NEW_PASSWORD }, { authorization: `Bearer ${success(session).accessToken}`, ...fresh() });
    expect(changed.data?.changePassword).toMatchObject({ __typename: 'MutationChangePasswordSuccess', data: { mustChangePassword: false } });
    expect(await storedHash({ number: number(plainSerial) })).toMatch(/^scrypt\$15\$8\$1\$/);
    const again = await login(number(plainSerial), NEW_PASSWORD);
    expect(again).toMatchObject({ __typename: 'MutationLoginSuccess', data: { mustChangePassword: false } });
    const sheet = await server.gql(SHEET, {}, { authorization: `Bearer ${success(again).accessToken}` });
    expect(sheet.data?.viewer).toEqual({ __typename: 'Student', number: number(plainSerial) });
    expect(failure(await login(number(plainSerial), initial)).code).toBe('INVALID_CREDENTIALS');
  });

  it('imported staff get keyed initial passwords too, case-insensitive until changed', async () => {
    const header: Cell[] = ['工号', '姓名', '角色', '部门', '培养单位', '校区', '初始密码'];
    expect(await importFile('importStaff', [header, ['pepper1', '胡椒老师', '导师', '', '地学院', '', 'Init@Pepper1']])).toMatchObject({
      applied: true,
      created: 1,
    });
    expect(await storedHash({ username: 'pepper1' })).toMatch(/^hmac-sha256\$/);
    for (const typed of ['Init@Pepper1', 'init@pepper1']) {
      expect(await login('pepper1', typed)).toMatchObject({ __typename: 'MutationLoginSuccess', data: { mustChangePassword: true } });
    }
    expect(failure(await login('pepper1', 'Init@Pepper2')).code).toBe('INVALID_CREDENTIALS');
  });

  it('takes as long for a keyed initial password as for staff and unknown names (no account enumeration)', async () => {
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const kinds = { unknown: 'nobody-at-all', staff: 'finance', keyed: number(xSerial) } as const;
    const times: Record<keyof typeof kinds, number[]> = { unknown: [], staff: [], keyed: [] };
    for (let round = 0; round < 11; round++) {
      for (const [kind, username] of Object.entries(kinds) as [keyof typeof kinds, string][]) {
        const started = performance.now();
        const answer = await login(username, `wrong-${round}`);
        times[kind].push(performance.now() - started);
        expect(failure(answer).code).toBe('INVALID_CREDENTIALS');
      }
    }
    const staff = median(times.staff);
    for (const kind of ['unknown', 'keyed'] as const) {
      expect(median(times[kind]) / staff, `${kind}: ${median(times[kind]).toFixed(1)} ms vs staff ${staff.toFixed(1)} ms`).toBeGreaterThan(0.6);
      expect(median(times[kind]) / staff, kind).toBeLessThan(1.7);
    }
  });
});
