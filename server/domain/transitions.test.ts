import { describe, expect, it } from 'vitest';
import { checkTransition, ITEM_TRANSITIONS, MAX_REASON_LENGTH, type TransitionErrorCode } from './transitions.js';
import { DECISION_SOURCES, ITEM_STATUSES, type DecisionSource, type ItemStatus } from './types.js';

interface AllowedTransition {
  from: ItemStatus;
  to: ItemStatus;
  source: DecisionSource;
  reasonRequired: boolean;
}

function allow(from: ItemStatus, to: ItemStatus, sources: DecisionSource[], reason: 'reason required' | 'reason optional'): AllowedTransition[] {
  return sources.map((source) => ({ from, to, source, reasonRequired: reason === 'reason required' }));
}

/** The item states of docs/domain.md, written out once more so that the table cannot drift unnoticed. */
const ALLOWED: AllowedTransition[] = [
  ...allow('PENDING', 'APPROVED', ['REVIEWER', 'SYNC', 'POLICY', 'SELF'], 'reason optional'),
  ...allow('PENDING', 'REJECTED', ['REVIEWER', 'SYNC'], 'reason required'),
  ...allow('REJECTED', 'PENDING', ['REVIEWER', 'ADMIN', 'SELF'], 'reason optional'),
  ...allow('REJECTED', 'APPROVED', ['REVIEWER', 'SYNC'], 'reason optional'),
  ...allow('APPROVED', 'REJECTED', ['SYNC'], 'reason required'),
  ...allow('LOCKED', 'WAIVED', ['ADMIN'], 'reason required'),
  ...allow('PENDING', 'WAIVED', ['ADMIN'], 'reason required'),
  ...allow('APPROVED', 'WAIVED', ['ADMIN'], 'reason required'),
  ...allow('REJECTED', 'WAIVED', ['ADMIN'], 'reason required'),
  ...allow('WAIVED', 'PENDING', ['ADMIN'], 'reason optional'),
  ...allow('LOCKED', 'PENDING', ['SYSTEM'], 'reason optional'),
  ...allow('PENDING', 'LOCKED', ['SYSTEM'], 'reason optional'),
];

describe('the transition table', () => {
  it('is exactly the list of allowed changes', () => {
    const table = ITEM_TRANSITIONS.flatMap(({ from, to, by, reasonRequired }) => by.map((source) => ({ from, to, source, reasonRequired })));
    expect(table).toHaveLength(ALLOWED.length);
    expect(table).toEqual(expect.arrayContaining(ALLOWED));
  });

  it.each(ALLOWED)('allows $from → $to by $source', ({ from, to, source }) => {
    expect(checkTransition({ from, to, source, reason: ' Library books overdue ' })).toEqual({
      ok: true,
      reason: 'Library books overdue',
    });
  });

  it.each(ALLOWED.filter((transition) => transition.reasonRequired))('requires a reason for $from → $to by $source', ({ from, to, source }) => {
    expect(checkTransition({ from, to, source })).toMatchObject({ ok: false, code: 'REASON_REQUIRED' });
  });

  it('refuses every other combination of state and source', () => {
    const mismatches: string[] = [];
    for (const from of ITEM_STATUSES) {
      for (const to of ITEM_STATUSES) {
        for (const source of DECISION_SOURCES) {
          const allowed = ALLOWED.some((row) => row.from === from && row.to === to && row.source === source);
          if (checkTransition({ from, to, source, reason: 'a reason' }).ok !== allowed) {
            mismatches.push(`${from} → ${to} by ${source}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('refusals', () => {
  it.each<[ItemStatus, ItemStatus, DecisionSource, TransitionErrorCode]>([
    ['LOCKED', 'APPROVED', 'REVIEWER', 'ITEM_LOCKED'],
    ['LOCKED', 'REJECTED', 'SYNC', 'ITEM_LOCKED'],
    ['LOCKED', 'APPROVED', 'POLICY', 'ITEM_LOCKED'],
    ['LOCKED', 'PENDING', 'REVIEWER', 'ITEM_LOCKED'],
    ['LOCKED', 'PENDING', 'ADMIN', 'ITEM_LOCKED'],
    ['LOCKED', 'WAIVED', 'REVIEWER', 'ITEM_LOCKED'],
    ['PENDING', 'PENDING', 'REVIEWER', 'ALREADY_IN_STATE'],
    ['APPROVED', 'APPROVED', 'SYNC', 'ALREADY_IN_STATE'],
    ['WAIVED', 'WAIVED', 'ADMIN', 'ALREADY_IN_STATE'],
    ['APPROVED', 'REJECTED', 'REVIEWER', 'SOURCE_NOT_ALLOWED'],
    ['APPROVED', 'REJECTED', 'ADMIN', 'SOURCE_NOT_ALLOWED'],
    ['PENDING', 'LOCKED', 'REVIEWER', 'SOURCE_NOT_ALLOWED'],
    ['PENDING', 'WAIVED', 'REVIEWER', 'SOURCE_NOT_ALLOWED'],
    ['REJECTED', 'APPROVED', 'SELF', 'SOURCE_NOT_ALLOWED'],
    ['PENDING', 'REJECTED', 'SELF', 'SOURCE_NOT_ALLOWED'],
    ['REJECTED', 'PENDING', 'SYNC', 'SOURCE_NOT_ALLOWED'],
    ['WAIVED', 'PENDING', 'REVIEWER', 'SOURCE_NOT_ALLOWED'],
    ['APPROVED', 'PENDING', 'ADMIN', 'INVALID_TRANSITION'],
    ['WAIVED', 'APPROVED', 'ADMIN', 'INVALID_TRANSITION'],
    ['REJECTED', 'LOCKED', 'SYSTEM', 'INVALID_TRANSITION'],
    ['APPROVED', 'LOCKED', 'SYSTEM', 'INVALID_TRANSITION'],
  ])('refuses %s → %s by %s with %s', (from, to, source, code) => {
    const result = checkTransition({ from, to, source, reason: 'a reason' });
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) {
      expect(result.message.zh).not.toBe('');
      expect(result.message.en).not.toBe('');
    }
  });

  it('checks who may act before asking for a reason', () => {
    expect(checkTransition({ from: 'APPROVED', to: 'REJECTED', source: 'REVIEWER' })).toMatchObject({
      code: 'SOURCE_NOT_ALLOWED',
    });
  });
});

describe('reasons', () => {
  const reject = (reason?: string | null) => checkTransition({ from: 'PENDING', to: 'REJECTED', source: 'REVIEWER', reason });
  const waive = (reason?: string | null) => checkTransition({ from: 'APPROVED', to: 'WAIVED', source: 'ADMIN', reason });
  const approve = (reason?: string | null) => checkTransition({ from: 'PENDING', to: 'APPROVED', source: 'REVIEWER', reason });

  it.each([undefined, null, '', '   ', '\n\t'])('requires a reason to reject or waive, not %j', (reason) => {
    expect(reject(reason)).toMatchObject({ ok: false, code: 'REASON_REQUIRED' });
    expect(waive(reason)).toMatchObject({ ok: false, code: 'REASON_REQUIRED' });
  });

  it('requires a reason when a sync rejects an approved item', () => {
    expect(checkTransition({ from: 'APPROVED', to: 'REJECTED', source: 'SYNC' })).toMatchObject({ code: 'REASON_REQUIRED' });
  });

  it('records the trimmed reason', () => {
    expect(reject('  图书未归还 \n')).toEqual({ ok: true, reason: '图书未归还' });
  });

  it(`accepts ${MAX_REASON_LENGTH} characters after trimming and refuses one more`, () => {
    expect(reject(`  ${'欠'.repeat(MAX_REASON_LENGTH)}  `)).toEqual({ ok: true, reason: '欠'.repeat(MAX_REASON_LENGTH) });
    expect(reject('x'.repeat(MAX_REASON_LENGTH + 1))).toMatchObject({ ok: false, code: 'REASON_TOO_LONG' });
    expect(waive('x'.repeat(MAX_REASON_LENGTH + 1))).toMatchObject({ ok: false, code: 'REASON_TOO_LONG' });
  });

  it('counts a character outside the BMP once', () => {
    expect(reject('😀'.repeat(MAX_REASON_LENGTH)).ok).toBe(true);
  });

  it('makes the reason optional elsewhere, but still limits its length', () => {
    expect(approve()).toEqual({ ok: true, reason: null });
    expect(approve('  ')).toEqual({ ok: true, reason: null });
    expect(approve('checked at the desk')).toEqual({ ok: true, reason: 'checked at the desk' });
    expect(approve('x'.repeat(MAX_REASON_LENGTH + 1))).toMatchObject({ ok: false, code: 'REASON_TOO_LONG' });
  });
});
