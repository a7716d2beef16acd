import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, openDemoServer } from '../../testing/demo.js';
import { globalId } from '../../testing/ids.js';

const REVIEWER_FIELDS = 'name username roles department { code contacts { phone } } college { code } campus { code }';
const NODE = `query ($id: ID!) { node(id: $id) { ... on Reviewer { ${REVIEWER_FIELDS} } } }`;

describe('Reviewer nodes as students see them', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => {
    ({ server, api } = await openDemoServer());
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows a student the name, department and its contacts, never the login, roles or scope', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' });
    const token = await api.student(student!.number);
    const library = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library' } });
    const answer = await api.asText(token, NODE, { id: globalId('Reviewer', library.id) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.node).toMatchObject({ name: library.name, username: null, roles: null, college: null, campus: null, department: { code: 'LIBRARY' } });
    expect(answer.data.node.department.contacts.length).toBeGreaterThan(0);

    const collegeStaff = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'xgz-computer-science' } });
    const scoped = await api.asText(token, NODE, { id: globalId('Reviewer', collegeStaff.id) });
    expect(scoped.data.node).toMatchObject({ name: collegeStaff.name, username: null, roles: null, college: null });
  });

  it('shows staff the whole account', async () => {
    const library = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library' } });
    const answer = await api.asText(await api.staff('finance'), NODE, { id: globalId('Reviewer', library.id) });
    expect(answer.data.node).toMatchObject({ name: library.name, username: 'library', roles: ['DEPARTMENT_REVIEWER'], department: { code: 'LIBRARY' } });
  });
});
