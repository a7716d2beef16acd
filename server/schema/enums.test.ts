import { describe, expect, it } from 'vitest';
import { DECISION_SOURCES, DORMITORY_STATES, ITEM_STATUSES, SCOPE_KINDS, STUDENT_CATEGORIES } from '../domain/index.js';
import { DecisionSource, DormitoryState, ItemStatus, ScopeKind, StudentCategory } from '../generated/prisma/enums.js';

// The GraphQL enums come from the database's; the pure domain keeps its own lists, which must name the same values.
describe('the domain enum lists', () => {
  it.each([
    ['StudentCategory', STUDENT_CATEGORIES, StudentCategory],
    ['DormitoryState', DORMITORY_STATES, DormitoryState],
    ['ItemStatus', ITEM_STATUSES, ItemStatus],
    ['DecisionSource', DECISION_SOURCES, DecisionSource],
    ['ScopeKind', SCOPE_KINDS, ScopeKind],
  ])('%s names exactly the database enum values', (_name, domain, database) => {
    expect([...domain].sort()).toEqual(Object.values(database).sort());
  });
});
