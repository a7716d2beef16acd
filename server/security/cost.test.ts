import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_ESTIMATE, OPERATION_COST_BUDGET, operationCost } from '../operation-cost.js';
import { schema } from '../schema/index.js';
import { type clients, openDemoServer } from '../testing/demo.js';
import type { TestServer } from '../testing/server.js';
import { openSocket } from '../testing/raw-socket.js';

/** One page of changes, each with its student's whole sheet and every item's history. */
const HEAVY_SELECTION = 'changes { seq item { history { seq toStatus } } student { clearanceItems { status reason history { seq toStatus reason } } } }';
const aliased = (first: string) =>
  `query ${first === '$n' ? '($n: Int)' : ''} { ${Array.from({ length: 15 }, (_, i) => `a${i}: changesSince(first: ${first}) { cursor ${HEAVY_SELECTION} }`).join(' ')} }`;

describe('the cost limit sees variables', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  const expectCostRefusal = (errors: { message: string; extensions?: Record<string, unknown> }[] | undefined) => {
    expect(errors?.map((error) => error.extensions)).toEqual([{ code: 'OPERATION_LIMIT', limit: 'cost' }]);
    expect(errors?.[0]?.message).toBe('操作被拒绝：查询代价过高 / Operation refused: the query is too expensive');
  };

  it('refuses 15 aliases of changesSince(first: $n) with n = 500 and nested sheets, over HTTP and graphql-ws, before any work', async () => {
    const admin = await api.staff('admin');
    const started = performance.now();
    // Text: the aliased, over-budget documents are generated.
    const viaHttp = await api.asText(admin, aliased('$n'), { n: 500 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(viaHttp.data ?? null).toBeNull();
    expectCostRefusal(viaHttp.errors);
    expectCostRefusal((await api.asText(admin, aliased('500'))).errors);

    const socket = await openSocket(server.wsUrl, admin);
    try {
      const { results, errors } = await socket.run('heavy', aliased('$n'), { n: 500 });
      expectCostRefusal(errors ?? results[0]?.errors);
      expect((await socket.run('light', '{ __typename }')).results).toEqual([{ data: { __typename: 'Query' } }]);
    } finally {
      socket.close();
    }
  });

  it('accepts one page of 500 changes as the SDK asks for it', async () => {
    const admin = await api.staff('admin');
    const sdk = readFileSync(new URL('../../sdk/src/operations/changes.graphql', import.meta.url), 'utf8');
    // Text: the SDK's own operation, byte for byte as its file has it.
    const answer = await api.asText(admin, sdk, { first: 500 });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.changesSince.changes.length).toBeGreaterThan(0);
  });
});

describe('every SDK operation fits the budget', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../sdk/src/generated/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;
  it.each(Object.values(manifest).map((query) => [/(query|mutation|subscription) (\w+)/.exec(query)?.[2] ?? '?', query]))(
    '%s, with every page size at its largest',
    (_name, query) => {
      const document = parse(query);
      const pageVariables = Object.fromEntries(
        document.definitions
          .flatMap((definition) => ('variableDefinitions' in definition ? (definition.variableDefinitions ?? []) : []))
          .map((variable) => [variable.variable.name.value, 500]),
      );
      expect(operationCost(schema, document, null, pageVariables)).toBeLessThanOrEqual(OPERATION_COST_BUDGET);
    },
  );

  it('counts an unpaged list as LIST_ESTIMATE entries and a variable page like a literal one', () => {
    const query = parse('query ($n: Int) { changesSince(first: $n) { changes { seq student { clearanceItems { status } } } } }');
    expect(operationCost(schema, query, null, { n: 10 })).toBe(1 + 10 * (1 + 1 + 1 + LIST_ESTIMATE * 2));
    expect(operationCost(schema, query, null, {})).toBe(
      operationCost(schema, parse('{ changesSince(first: 100) { changes { seq student { clearanceItems { status } } } } }'), null, {}),
    );
  });
});
