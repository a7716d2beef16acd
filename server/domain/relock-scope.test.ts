import { describe, expect, it } from 'vitest';
import { progressFromCounts, relockScope, resolveLocks, summarizeProgress } from './sheet.js';
import type { ItemStatus } from './types.js';

const templates = [
  { code: 'SUPERVISOR', prerequisites: [] },
  { code: 'LIBRARY', prerequisites: ['SUPERVISOR'] },
  { code: 'FINANCE', prerequisites: ['SUPERVISOR'] },
  { code: 'SURVEY', prerequisites: [] },
];

describe('relockScope', () => {
  it('reads nothing more when a decided item is decided again without unblocking anything', () => {
    const scope = relockScope(templates, [{ code: 'LIBRARY', from: 'PENDING', to: 'APPROVED' }]);
    expect(scope.recheck.size).toBe(0);
    expect(scope.read.size).toBe(0);
  });

  it('rechecks the dependents of a prerequisite that is newly met or no longer met, with their prerequisites', () => {
    const approved = relockScope(templates, [{ code: 'SUPERVISOR', from: 'PENDING', to: 'APPROVED' }]);
    expect([...approved.recheck].sort()).toEqual(['FINANCE', 'LIBRARY']);
    expect([...approved.read].sort()).toEqual(['FINANCE', 'LIBRARY', 'SUPERVISOR']);
    const reopened = relockScope(templates, [{ code: 'LIBRARY', from: 'REJECTED', to: 'PENDING' }]);
    expect([...reopened.recheck]).toEqual(['LIBRARY']);
    expect([...reopened.read].sort()).toEqual(['LIBRARY', 'SUPERVISOR']);
  });

  it('gives resolveLocks on the partial sheet the same answer as on the whole sheet for the rechecked items', () => {
    const whole: { code: string; status: ItemStatus; prerequisites: string[] }[] = templates.map((t) => ({
      ...t,
      status: t.code === 'SUPERVISOR' ? 'APPROVED' : t.code === 'SURVEY' ? 'PENDING' : 'LOCKED',
    }));
    const scope = relockScope(templates, [{ code: 'SUPERVISOR', from: 'PENDING', to: 'APPROVED' }]);
    const partial = whole.filter((item) => scope.read.has(item.code));
    const fromPartial = new Map(resolveLocks(partial).map((item) => [item.code, item.status]));
    for (const item of resolveLocks(whole)) if (scope.recheck.has(item.code)) expect(fromPartial.get(item.code)).toBe(item.status);
  });
});

describe('progressFromCounts', () => {
  it('agrees with summarizeProgress', () => {
    const statuses: ItemStatus[] = ['APPROVED', 'WAIVED', 'PENDING', 'LOCKED', 'REJECTED', 'APPROVED'];
    for (let n = 0; n <= statuses.length; n++) {
      const items = statuses.slice(0, n).map((status) => ({ status }));
      const counts = { LOCKED: 0, PENDING: 0, APPROVED: 0, REJECTED: 0, WAIVED: 0 };
      for (const item of items) counts[item.status]++;
      expect(progressFromCounts(counts)).toEqual(summarizeProgress(items));
    }
    expect(progressFromCounts({ LOCKED: 0, PENDING: 0, APPROVED: 2, REJECTED: 0, WAIVED: 1 }).cleared).toBe(true);
  });
});
