import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { hashPassword } from '../../server/auth/password.js';
import { findStudents } from '../../server/testing/demo.js';
import { VIEWER_TYPENAME } from '../../server/testing/documents.js';
import { globalId } from '../../server/testing/ids.js';
import { streamsOpened } from '../../server/testing/live.js';
import { waitFor } from '../../server/testing/wait.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import {
  createClient,
  ImportStudentsDocument,
  LixiaoError,
  MyClearanceUpdatedDocument,
  unwrap,
  ViewerDocument,
  type LixiaoClient,
  type Session,
} from '../src/index.js';

const STAFF_PASSWORD = 'Lixiao@2020';

describe('trusted documents (TRUSTED_DOCUMENTS=on) and token refresh', () => {
  let server: TestServer;
  const clients: LixiaoClient[] = [];
  const client = (options: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const created = createClient({ url: server.url, webSocketImpl: WebSocket, persisted: true, ...options });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { TRUSTED_DOCUMENTS: 'on', ACCESS_TOKEN_SECONDS: '2' } });
  });
  afterAll(async () => {
    for (const created of clients) await created.dispose();
    await server?.close();
  });

  it('runs SDK operations sent by documentId and refuses ad-hoc queries with a clear error', async () => {
    const admin = client();
    await admin.login('admin', STAFF_PASSWORD);
    const { viewer } = await admin.request(ViewerDocument);
    expect(viewer?.__typename === 'Reviewer' && viewer.username).toBe('admin');

    const adHoc = await server.gql(VIEWER_TYPENAME);
    expect(adHoc.data).toBeUndefined();
    expect(adHoc.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(adHoc.errors?.[0]?.message).toMatch(/Only trusted \(persisted\) operations are accepted/);

    // The same SDK document sent as text is refused too.
    const textClient = client({ persisted: false });
    const refused = await textClient.request(ViewerDocument).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LixiaoError);
    expect(refused).toMatchObject({ code: 'PERSISTED_QUERY_ONLY' });

    // extensions.persistedQuery (Apollo's form) works; an unknown hash does not.
    const hash = (ViewerDocument as unknown as { __meta__: { hash: string } }).__meta__.hash.replace('sha256:', '');
    const apq = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.session!.accessToken}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    expect(((await apq.json()) as { data: { viewer: { username: string } } }).data.viewer.username).toBe('admin');
    const unknown = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }),
    });
    expect(((await unknown.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    // Multipart uploads go by documentId as well.
    const csv = new Blob([new TextEncoder().encode('学号,姓名\n')], { type: 'text/csv' });
    const upload = unwrap((await admin.request(ImportStudentsDocument, { file: csv, dryRun: true })).importStudents);
    expect(upload.dryRun).toBe(true);
    expect(upload.errorCount).toBeGreaterThan(0);
  });

  it('runs an SDK subscription by its hash over graphql-ws and refuses an ad-hoc one', async () => {
    const [row] = await findStudents(server, { category: 'UNDERGRADUATE', dormitory: 'ON_CAMPUS' }, 1, 11);
    await server.db.prisma.credential.update({
      where: { studentId: row!.id },
      data: { passwordHash: await hashPassword('Graduate#2020'), mustChangePassword: false },
    });
    await server.db.prisma.student.update({ where: { id: row!.id }, data: { surveyCompletedAt: new Date() } });
    const student = client();
    await student.login(row!.number, 'Graduate#2020');

    const adHoc = parse('subscription { myClearanceUpdated { item { id } } }') as TypedDocumentNode<unknown, Record<string, never>>;
    const refused = await student
      .subscribe(adHoc)
      .next()
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'PERSISTED_QUERY_ONLY' });

    const subscribed = streamsOpened(server);
    const events = student.subscribe(MyClearanceUpdatedDocument);
    const first = events.next();
    await subscribed;
    const library = await server.db.prisma.clearanceItem.findFirstOrThrow({ where: { studentId: row!.id, template: { code: 'LIBRARY' } } });
    const reviewer = client();
    await reviewer.login('library', STAFF_PASSWORD);
    const id = globalId('ClearanceItem', library.id);
    expect((await reviewer.approve([{ id, expectedVersion: library.version }])).approved).toBe(1);
    const event = await first;
    expect(event.done).toBe(false);
    expect(event.value).toMatchObject({ myClearanceUpdated: { item: { id, status: 'APPROVED' } } });
    await events.return?.();
  });

  it('refreshes an expired access token once and retries (ACCESS_TOKEN_SECONDS=2)', async () => {
    /** Waits until the server refuses `accessToken` as expired (asked by documentId: nothing else is accepted here). */
    const documentId = (ViewerDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
    const expired = (accessToken: string) =>
      waitFor(
        async () => {
          const response = await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
            body: JSON.stringify({ documentId }),
          });
          const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
          return body.errors?.[0]?.extensions?.code === 'TOKEN_EXPIRED';
        },
        10_000,
        'the access token to expire',
      );
    const sessions: Session[] = [];
    const admin = client({ onTokens: (session) => void sessions.push(session) });
    const first = await admin.login('admin', STAFF_PASSWORD);
    await expired(first.accessToken);
    const { viewer } = await admin.request(ViewerDocument);
    expect(viewer?.__typename).toBe('Reviewer');
    expect(sessions).toHaveLength(2);
    expect(sessions[1]!.accessToken).not.toBe(first.accessToken);

    // The export (plain HTTP, outside GraphQL) refreshes the same way.
    await expired(sessions[1]!.accessToken);
    const download = await admin.exportSummary({ cohort: 2020, format: 'csv' });
    expect((await new Response(download.body).text()).startsWith('学号,')).toBe(true);
    expect(sessions).toHaveLength(3);

    // Without a refresh token the expiry is the caller's to handle.
    const fixed = client({ token: first.accessToken });
    await expect(fixed.request(ViewerDocument)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });
});
