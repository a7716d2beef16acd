export * from './types.js';
export { groupBy } from './group-by.js';
export {
  loadDefaultRuleSet,
  parseRuleSet,
  RuleSetError,
  type RuleSetProblem,
} from './ruleset.js';
export {
  blockedBy,
  contactFor,
  evaluateTemplate,
  matchesCondition,
  planSheet,
  progressFromCounts,
  relockScope,
  requirementFor,
  resolveLocks,
  summarizeProgress,
  type PlannedItem,
  type Progress,
  type SheetItem,
  type StatusCounts,
  type TemplateEvaluation,
} from './sheet.js';
export {
  checkTransition,
  ITEM_TRANSITIONS,
  MAX_REASON_LENGTH,
  type ItemTransition,
  type TransitionCheck,
  type TransitionErrorCode,
  type TransitionRequest,
} from './transitions.js';
export { isSequenceNumber } from './sequence.js';
