/**
 * A reviewer's script: approve every pending item of one college, however many, and report
 * what failed. Run: LIXIAO_URL=… LIXIAO_USER=library LIXIAO_PASSWORD=… COLLEGE=EARTH_SCIENCES npx tsx node-script.ts
 */
import { createClient, LixiaoError } from '@lixiao/sdk';

const client = createClient({ url: process.env.LIXIAO_URL ?? 'http://localhost:4000/graphql', locale: 'en' });
try {
  await client.login(process.env.LIXIAO_USER ?? 'library', process.env.LIXIAO_PASSWORD ?? '');
  const items = [];
  // Every page of the queue (retried on NETWORK_ERROR / SERVICE_UNAVAILABLE).
  for await (const item of client.reviewQueueItems({ filter: { status: ['PENDING'], collegeCode: process.env.COLLEGE ?? null }, first: 100 })) {
    if (item.decidable) items.push({ id: item.id, expectedVersion: item.version });
  }
  // Any count: sent in batches of 1,000, one combined report.
  const report = await client.approve(items);
  for (const outcome of report.outcomes.filter((o) => !o.ok)) console.error(`${outcome.id}: ${outcome.error?.code} ${outcome.error?.message}`);
  console.log(JSON.stringify({ approved: report.approved, failed: report.failed }));
} catch (error) {
  if (!(error instanceof LixiaoError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = error.isServerError ? 3 : 1;
} finally {
  await client.dispose();
}
