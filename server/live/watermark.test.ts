import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, itemOf, openDemoServer, ref } from '../testing/demo.js';
import type { TestServer } from '../testing/server.js';
import { APPROVE, CHANGES } from '../testing/documents.js';
import { success } from '../testing/request.js';
import { graphql } from '../testing/generated/index.js';

const WATERMARK = graphql(`
  query WatermarkLive {
    liveWatermark
  }
`);

/** The seq watermark a client reads before subscribing, to catch up from without a gap. */
describe('liveWatermark', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  it('is the seq of the latest committed change: changesSince(watermark) holds exactly what committed after it', async () => {
    const library = await api.staff('library');
    const before = (await api.as(library, WATERMARK)).data!.liveWatermark;
    expect(before).toMatch(/^\d+$/);
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' }, 1, 2);
    const item = await itemOf(server, student!.number, 'LIBRARY');
    expect(success((await api.as(library, APPROVE, { items: [ref(item)] })).data?.approveItems).approved).toBe(1);
    const after = (await api.as(library, WATERMARK)).data!.liveWatermark;
    const missed = (await api.as(library, CHANGES, { cursor: before })).data!.changesSince;
    expect(missed.changes.map((c) => [c.item?.id, c.toStatus])).toEqual([[item.id, 'APPROVED']]);
    expect(missed.changes.at(-1)?.seq).toBe(after);
    expect((await server.gql(WATERMARK)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
