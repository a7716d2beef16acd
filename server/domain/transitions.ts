/**
 * The state machine of one clearance item (docs/domain.md, "Item states").
 * Who may act on which item (scope) is checked by the caller; this table
 * only says which changes exist and which kind of actor may make them.
 */
import type { DecisionSource, ItemStatus, LocalizedText } from './types.js';

export const MAX_REASON_LENGTH = 500;

export interface ItemTransition {
  from: ItemStatus;
  to: ItemStatus;
  by: readonly DecisionSource[];
  reasonRequired: boolean;
}

export const ITEM_TRANSITIONS: readonly ItemTransition[] = [
  // Review: by a reviewer, in bulk by a department system, by policy, or by the student for their own survey (approval only).
  { from: 'PENDING', to: 'APPROVED', by: ['REVIEWER', 'SYNC', 'POLICY', 'SELF'], reasonRequired: false },
  { from: 'PENDING', to: 'REJECTED', by: ['REVIEWER', 'SYNC'], reasonRequired: true },
  // The student has acted on a rejection and asks for another review.
  { from: 'REJECTED', to: 'PENDING', by: ['REVIEWER', 'ADMIN', 'SELF'], reasonRequired: false },
  // The debt was settled and the reviewer or the department's data says so directly.
  { from: 'REJECTED', to: 'APPROVED', by: ['REVIEWER', 'SYNC'], reasonRequired: false },
  // A department system reports a new debt after approval (its data may lag a working day).
  { from: 'APPROVED', to: 'REJECTED', by: ['SYNC'], reasonRequired: true },
  // An exemption granted by an administrator, whatever the item's state.
  { from: 'LOCKED', to: 'WAIVED', by: ['ADMIN'], reasonRequired: true },
  { from: 'PENDING', to: 'WAIVED', by: ['ADMIN'], reasonRequired: true },
  { from: 'APPROVED', to: 'WAIVED', by: ['ADMIN'], reasonRequired: true },
  { from: 'REJECTED', to: 'WAIVED', by: ['ADMIN'], reasonRequired: true },
  // The exemption is withdrawn; resolveLocks may lock the item again.
  { from: 'WAIVED', to: 'PENDING', by: ['ADMIN'], reasonRequired: false },
  // The prerequisite gate, kept by resolveLocks only.
  { from: 'LOCKED', to: 'PENDING', by: ['SYSTEM'], reasonRequired: false },
  { from: 'PENDING', to: 'LOCKED', by: ['SYSTEM'], reasonRequired: false },
];

export type TransitionErrorCode = 'ALREADY_IN_STATE' | 'ITEM_LOCKED' | 'INVALID_TRANSITION' | 'SOURCE_NOT_ALLOWED' | 'REASON_REQUIRED' | 'REASON_TOO_LONG';

export interface TransitionRequest {
  from: ItemStatus;
  to: ItemStatus;
  source: DecisionSource;
  reason?: string | null | undefined;
}

export type TransitionCheck =
  /** `reason` is the trimmed reason to record, or null when none was given. */
  { ok: true; reason: string | null } | { ok: false; code: TransitionErrorCode; message: LocalizedText };

const STATUS_NAMES: Record<ItemStatus, LocalizedText> = {
  LOCKED: { zh: '待前置环节通过', en: 'locked' },
  PENDING: { zh: '待审核', en: 'pending' },
  APPROVED: { zh: '已通过', en: 'approved' },
  REJECTED: { zh: '未通过', en: 'rejected' },
  WAIVED: { zh: '免办', en: 'waived' },
};

const SOURCE_NAMES: Record<DecisionSource, LocalizedText> = {
  REVIEWER: { zh: '离校点审核员', en: 'a reviewer' },
  SYNC: { zh: '部门系统数据对接', en: 'a department system' },
  POLICY: { zh: '政策自动审核', en: 'a policy' },
  SELF: { zh: '学生本人', en: 'the student' },
  SYSTEM: { zh: '系统', en: 'the system' },
  ADMIN: { zh: '管理员', en: 'an administrator' },
};

function refuse(code: TransitionErrorCode, message: LocalizedText): TransitionCheck {
  return { ok: false, code, message };
}

export function checkTransition({ from, to, source, reason }: TransitionRequest): TransitionCheck {
  if (from === to) {
    return refuse('ALREADY_IN_STATE', {
      zh: `该事项已是“${STATUS_NAMES[to].zh}”状态`,
      en: `The item is already ${STATUS_NAMES[to].en}.`,
    });
  }
  const transition = ITEM_TRANSITIONS.find((candidate) => candidate.from === from && candidate.to === to);
  if (transition === undefined || !transition.by.includes(source)) {
    if (from === 'LOCKED') {
      return refuse('ITEM_LOCKED', {
        zh: '前置环节（导师毕业条件审核）尚未通过，该事项暂不能办理',
        en: 'A prerequisite (such as the supervisor review) is not approved yet, so this item cannot be handled.',
      });
    }
    if (transition === undefined) {
      return refuse('INVALID_TRANSITION', {
        zh: `事项不能从“${STATUS_NAMES[from].zh}”改为“${STATUS_NAMES[to].zh}”`,
        en: `An item cannot go from ${STATUS_NAMES[from].en} to ${STATUS_NAMES[to].en}.`,
      });
    }
    return refuse('SOURCE_NOT_ALLOWED', {
      zh: `${SOURCE_NAMES[source].zh}不能将事项从“${STATUS_NAMES[from].zh}”改为“${STATUS_NAMES[to].zh}”`,
      en: `${capitalize(SOURCE_NAMES[source].en)} cannot move an item from ${STATUS_NAMES[from].en} to ${STATUS_NAMES[to].en}.`,
    });
  }

  const trimmedReason = reason?.trim() ?? '';
  if (transition.reasonRequired && trimmedReason === '') {
    return refuse('REASON_REQUIRED', {
      zh: `改为“${STATUS_NAMES[to].zh}”须填写原因`,
      en: `A reason is required to mark an item ${STATUS_NAMES[to].en}.`,
    });
  }
  // Counted in code points so that a character outside the BMP counts once, as the reader sees it.
  if ([...trimmedReason].length > MAX_REASON_LENGTH) {
    return refuse('REASON_TOO_LONG', {
      zh: `原因不能超过${MAX_REASON_LENGTH}个字符`,
      en: `The reason must be at most ${MAX_REASON_LENGTH} characters.`,
    });
  }
  return { ok: true, reason: trimmedReason === '' ? null : trimmedReason };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
