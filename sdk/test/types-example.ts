/**
 * Compiled by `tsc --noEmit -p sdk/test` (types.test.ts runs it): results and
 * variables of the SDK's documents are typed, and wrong variables do not compile.
 */
import {
  ApproveItemsDocument,
  ChangesSinceDocument,
  CohortStatsDocument,
  CohortStatsUpdatedDocument,
  createClient,
  ImportStudentsDocument,
  LixiaoError,
  MyClearanceUpdatedDocument,
  MySheetDocument,
  ReviewQueueDocument,
  SubmitSurveyDocument,
  SurveyDocument,
  unwrap,
  ViewerDocument,
  type ItemStatus,
  type LixiaoErrorCode,
  type ReviewQueueItem,
} from '../src/index.js';

const client = createClient({ url: 'http://localhost:4000/graphql', locale: 'en', persisted: true });

export async function example(): Promise<void> {
  // Results are typed.
  const { viewer } = await client.request(ViewerDocument);
  if (viewer?.__typename === 'Student') {
    const number: string = viewer.number;
    // @ts-expect-error a Student has no username
    void viewer.username;
    void number;
  }

  const sheet = await client.request(MySheetDocument);
  if (sheet.viewer?.__typename === 'Student') {
    // null before the survey (request throws SURVEY_REQUIRED then, but the type says so too)
    const items = sheet.viewer.clearanceItems ?? [];
    const status: ItemStatus = items[0]!.status;
    const blockedBy: string[] = items[0]!.blockedBy;
    const cleared: boolean = sheet.viewer.progress.cleared;
    // @ts-expect-error status is an ItemStatus, not a number
    const wrong: number = items[0]!.status;
    void status, blockedBy, cleared, wrong;
  }

  // Variables are typed and required when the operation requires them.
  const approved = unwrap((await client.request(ApproveItemsDocument, { items: [{ id: 'x', expectedVersion: 1 }] })).approveItems);
  const failed: number = approved.failed;
  void failed;
  // @ts-expect-error expectedVersion must be a number
  await client.request(ApproveItemsDocument, { items: [{ id: 'x', expectedVersion: '1' }] });
  // @ts-expect-error items is required
  await client.request(ApproveItemsDocument, {});
  // @ts-expect-error variables are required for ApproveItems
  await client.request(ApproveItemsDocument);
  // @ts-expect-error unknown variable
  await client.request(CohortStatsDocument, { year: 2020, cohort: 2020 });
  // @ts-expect-error status takes ItemStatus values
  await client.request(ReviewQueueDocument, { filter: { status: ['DONE'] } });
  // @ts-expect-error answers, not answer
  await client.request(SubmitSurveyDocument, { answer: [] });
  await client.request(ImportStudentsDocument, { file: new Blob(['a']), dryRun: true });
  // @ts-expect-error the file is a Blob, not a path
  await client.request(ImportStudentsDocument, { file: 'students.csv' });

  // Convenience methods are typed too.
  const stats = await client.cohortStats({ year: 2020 });
  const rate: number = stats.clearedRate;
  void rate;
  // @ts-expect-error year is a number
  await client.cohortStats({ year: '2020' });
  const report = await client.reject([{ id: 'x', expectedVersion: 2 }], 'reason');
  const outcomeStatus: ItemStatus | null = report.outcomes[0]!.status;
  void outcomeStatus;

  // Subscriptions yield typed events.
  for await (const event of client.subscribe(MyClearanceUpdatedDocument)) {
    const itemStatus: ItemStatus | undefined = event.myClearanceUpdated.item?.status;
    // @ts-expect-error no such field in the subscription's selection
    void event.myClearanceUpdated.item.history;
    void itemStatus;
    break;
  }

  try {
    await client.login('admin', 'wrong');
  } catch (error) {
    if (error instanceof LixiaoError) {
      const code: string = error.code;
      void code;
      // Codes are a union: the schema's ErrorCode, GraphQL's and the client's own.
      const known: LixiaoErrorCode = error.code;
      void known;
      if (error.code === 'ABORTED' || error.code === 'TIMEOUT' || error.code === 'INVALID_CREDENTIALS') void error;
      // @ts-expect-error a misspelt code does not compile
      if (error.code === 'TOKEN_EXPRIED') void error;
    }
  }
}

export async function optionalVariables(): Promise<void> {
  // Operations whose variables are all optional take none.
  await client.request(ViewerDocument);
  await client.request(MySheetDocument);
  const { survey } = await client.request(SurveyDocument);
  const title: string | undefined = survey?.title;
  void title;
  await client.request(SurveyDocument, { year: 2020 });
  // @ts-expect-error Viewer takes no variables
  await client.request(ViewerDocument, { year: 2020 });
}

export async function catchUpAndExports(): Promise<void> {
  // The catch-up hands typed changes to reconnect listeners.
  client.onReconnected((missed) => {
    const seq: string | undefined = missed.changes[0]?.seq;
    const toStatus: ItemStatus | undefined = missed.changes[0]?.toStatus;
    const failure: LixiaoError | null = missed.error;
    // @ts-expect-error a change has no `progress`
    void missed.changes[0]?.progress;
    void seq, toStatus, failure;
  });
  const { changes, cursor } = await client.changesSince('42');
  const code: string | undefined = changes[0]?.template.code;
  const next: string | null = cursor;
  void code, next;
  const page = await client.request(ChangesSinceDocument, { cursor: null, first: 500 });
  const hasMore: boolean = page.changesSince.hasMore;
  void hasMore;
  // @ts-expect-error the cursor is a string (a 64-bit seq)
  await client.request(ChangesSinceDocument, { cursor: 42 });

  for await (const event of client.subscribe(CohortStatsUpdatedDocument, { year: 2020 })) {
    const cleared: number = event.cohortStatsUpdated.cleared;
    void cleared;
    break;
  }
  // @ts-expect-error year is required
  client.subscribe(CohortStatsUpdatedDocument, {});

  // A subscription ends by return() (never undefined under strict) or by its AbortSignal.
  const stop = new AbortController();
  const live = client.subscribe(CohortStatsUpdatedDocument, { year: 2020 }, { signal: stop.signal });
  const ended: IteratorReturnResult<undefined> = await live.return();
  void ended;
  stop.abort();

  // Paginated queries as async iterators; decisions of any count.
  for await (const item of client.reviewQueueItems({ filter: { status: ['PENDING'] }, first: 100 })) {
    const typed: ReviewQueueItem = item;
    void typed;
  }
  for await (const changesPage of client.changePages(null)) void changesPage.length;
  const many = await client.approve(Array.from({ length: 2500 }, (_, index) => ({ id: String(index), expectedVersion: 1 })));
  void many.outcomes.length;

  const download = await client.exportSummary({ cohort: 2020, format: 'xlsx', college: 'COMPUTER_SCIENCE' });
  const body: ReadableStream<Uint8Array> = download.body;
  void body;
  // @ts-expect-error csv or xlsx only
  await client.exportSummary({ cohort: 2020, format: 'pdf' });
}
