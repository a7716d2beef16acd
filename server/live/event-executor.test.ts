import { buildExecutionContext, execute } from '@graphql-tools/executor';
import { collectFields } from '@graphql-tools/utils';
import { parse, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../context.js';
import type { ItemChangedEvent } from '../pubsub.js';
import { schema } from '../schema/index.js';
import { type clients, findStudents, itemOf, openDemoServer, ref } from '../testing/demo.js';
import { APPROVE } from '../testing/documents.js';
import { globalId } from '../testing/ids.js';
import { success } from '../testing/request.js';
import type { TestServer } from '../testing/server.js';
import { compileEventExecution } from './event-executor.js';

/** Selections a client may send, each with the variables it is run with. */
const SELECTIONS: [string, Record<string, unknown>][] = [
  ['subscription ($s: ID!) { clearanceItemUpdated(studentId: $s) { seq item { id status version } progress { approved required cleared } } }', {}],
  [
    `subscription Watch($s: ID!) { clearanceItemUpdated(studentId: $s) { __typename s: seq ...Update item { ...Item kind: __typename } } }
     fragment Update on ClearanceUpdate { itemId removed progress { ... on Progress { approved pending clearedAt } } }
     fragment Item on ClearanceItem { id code name status reason template { code } department { name } decidedAt version }`,
    {},
  ],
  [
    `subscription ($s: ID!, $full: Boolean!, $lean: Boolean!) {
       clearanceItemUpdated(studentId: $s) { seq item @include(if: $full) { id requirement blockedBy } progress @skip(if: $lean) { required } }
     }`,
    { full: true, lean: false },
  ],
  [
    'subscription ($s: ID!, $full: Boolean!) { clearanceItemUpdated(studentId: $s) { seq item @include(if: $full) { id } progress { cleared } } }',
    { full: false },
  ],
];

/**
 * The compiled per-event execution answers exactly what graphql-tools' `execute` answers for the same
 * event, context and operation: data, errors (with paths and locations) and the order of both; and an
 * event whose execution has errors is handed to the ordinary executor rather than completed by it.
 */
describe('compiled subscription execution', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let event: ItemChangedEvent;
  let studentId: string;
  beforeAll(async () => {
    ({ server, api } = await openDemoServer());
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 11);
    studentId = globalId('Student', student!.id);
    const stream = server.services.pubsub.items('student:items', student!.id);
    const item = await itemOf(server, student!.number, 'LIBRARY');
    const answer = await api.as(await api.staff('library'), APPROVE, { items: [ref(item)] });
    expect(success(answer.data?.approveItems).approved).toBe(1);
    const next = await stream.next();
    await stream.return();
    event = next.value as ItemChangedEvent;
  }, 60_000);
  afterAll(async () => server?.close());

  const contextFor = async (language: string): Promise<Context> => {
    const token = await api.staff('admin');
    const headers = { authorization: `Bearer ${token}`, 'accept-language': language };
    return createContext(server.services, { req: { headers, socket: { remoteAddress: '127.0.0.1' } } } as never);
  };

  /** The event as the ordinary executor and as the compiled one answer it (each with a context of its own), and how often the compiled one fell back. */
  async function both(query: string | DocumentNode, variables: Record<string, unknown>, delivered: unknown, language = 'zh-CN') {
    const document = typeof query === 'string' ? parse(query) : query;
    const argsFor = async (): Promise<ExecutionArgs> => ({
      schema,
      document,
      variableValues: { s: studentId, ...variables },
      contextValue: await contextFor(language),
    });
    const ordinaryArgs = await argsFor();
    const ordinary = (await execute({ ...ordinaryArgs, rootValue: delivered })) as ExecutionResult;
    const args = await argsFor();
    const exeContext = buildExecutionContext(args);
    if (!('schema' in exeContext)) throw new Error('invalid operation');
    const rootType = schema.getSubscriptionType()!;
    const coerced = (exeContext.variableValues as { coerced: Record<string, unknown> }).coerced;
    const [responseName, fieldNodes] = [...collectFields(schema, exeContext.fragments, coerced, rootType, exeContext.operation.selectionSet).fields][0]!;
    let fellBack = 0;
    const executeEvent = compileEventExecution(exeContext, rootType, responseName!, fieldNodes!, (value) => {
      fellBack++;
      return execute({ ...args, rootValue: value }) as ExecutionResult;
    });
    expect(executeEvent).not.toBeNull();
    const compiled = (await executeEvent!(delivered)) as ExecutionResult;
    return { ordinary: JSON.stringify(ordinary), compiled: JSON.stringify(compiled), fellBack, result: compiled };
  }

  it('answers every selection exactly as the ordinary executor does, without falling back', async () => {
    for (const [query, variables] of SELECTIONS) {
      for (const language of ['zh-CN', 'en']) {
        const { ordinary, compiled, fellBack, result } = await both(query, variables, event, language);
        expect(compiled).toBe(ordinary);
        expect(result.errors).toBeUndefined();
        expect(fellBack).toBe(0);
      }
    }
  });

  it('plans the item once per document and the variables its selection uses: subscribers differing in those get their own', async () => {
    // One parsed document for every subscriber, as yoga's parser cache gives them.
    const document = parse(
      'subscription ($s: ID!, $named: Boolean!) { clearanceItemUpdated(studentId: $s) { item { id name @include(if: $named) template @include(if: $named) { code } } } }',
    );
    for (const named of [false, true, false]) {
      const { ordinary, compiled, fellBack, result } = await both(document, { named }, event);
      expect(compiled).toBe(ordinary);
      expect(fellBack).toBe(0);
      const item = (result.data as { clearanceItemUpdated: { item: Record<string, unknown> } }).clearanceItemUpdated.item;
      expect(Object.keys(item)).toEqual(named ? ['id', 'name', 'template'] : ['id']);
    }
  });

  it('answers a removal (item null) exactly as the ordinary executor does', async () => {
    const removal = { ...event, removed: true as const };
    for (const [query, variables] of SELECTIONS) {
      const { ordinary, compiled, fellBack } = await both(query, variables, removal);
      expect(compiled).toBe(ordinary);
      expect(fellBack).toBe(0);
    }
  });

  it('hands an event whose execution has errors to the ordinary executor: the same errors, paths and partial data', async () => {
    const [query, variables] = SELECTIONS[1]!;
    // An item that cannot be read: a nullable field fails, its siblings stay.
    const unreadable = { ...event, itemId: '00000000-0000-4000-8000-000000000000', version: 1 };
    const missing = await both(query, variables, unreadable);
    expect(missing.compiled).toBe(missing.ordinary);
    expect(missing.fellBack).toBe(1);
    expect(missing.result.errors?.[0]?.path).toEqual(['clearanceItemUpdated', 'item']);
    expect((missing.result.data as { clearanceItemUpdated: { itemId: string } }).clearanceItemUpdated.itemId).toBeTruthy();
    // A non-null leaf that cannot be serialized: the error propagates to the nearest nullable parent.
    const broken = { ...event, progress: { ...event.progress, approved: 'many' } };
    const nested = await both(query, variables, broken);
    expect(nested.compiled).toBe(nested.ordinary);
    expect(nested.fellBack).toBe(1);
    expect(nested.result.errors?.[0]?.path).toEqual(['clearanceItemUpdated', 'progress', 'approved']);
  });
});
