import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';
import type { TestServer } from '../../testing/server.js';

const TYPENAME = graphql(`
  query ImportUploadAuthTypename { __typename }
`);

/**
 * Starts a 19 MiB multipart upload, sends only its first kilobyte and waits for the answer:
 * a server that parsed the body before checking the token would never answer.
 */
function startUpload(server: TestServer, token: string | null): Promise<{ status: number; body: any; bytesSent: number }> {
  const boundary = 'lixiao-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n` +
      JSON.stringify({ query: 'mutation ($file: File!) { importStudents(file: $file, dryRun: true) { __typename } }', variables: { file: null } }) +
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="students.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    const upload = request(`${server.origin}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(19 * 1024 * 1024),
        'x-graphql-yoga-csrf': '1',
        'accept-language': 'en',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    const timer = setTimeout(() => {
      upload.destroy();
      reject(new Error('no answer before the body was sent: the upload was parsed before the token was checked'));
    }, 5_000);
    upload.on('error', () => undefined);
    upload.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => (text += String(chunk)));
      response.on('end', () => {
        clearTimeout(timer);
        upload.destroy();
        resolve({ status: response.statusCode!, body: JSON.parse(text), bytesSent: upload.socket?.bytesWritten ?? 0 });
      });
    });
    upload.write(head);
    upload.write(Buffer.alloc(1024, 'a'));
  });
}

describe('multipart uploads are authorized before their body is read', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  it('answers 401 UNAUTHENTICATED without a token and 401 TOKEN_INVALID with a bad one, at once', async () => {
    const anonymous = await startUpload(server, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0]).toEqual({ message: 'Please log in first.', extensions: { code: 'UNAUTHENTICATED' } });
    expect(anonymous.bytesSent).toBeLessThan(64 * 1024);
    const forged = await startUpload(server, 'not-a-token');
    expect(forged.status).toBe(401);
    expect(forged.body.errors[0].extensions.code).toBe('TOKEN_INVALID');
  });

  it('answers 403 FORBIDDEN to an account that may not import (a reviewer, a college admin)', async () => {
    for (const username of ['library', 'xgz-computer-science']) {
      const answer = await startUpload(server, await api.staff(username));
      expect(answer.status).toBe(403);
      expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await server.gql(TYPENAME)).data).toEqual({ __typename: 'Query' });
  });
});
