/**
 * Plain domain vocabulary: no GraphQL, no Prisma. Everything here mirrors
 * docs/domain.md; the rule set itself is data (see `RuleSet`).
 */

export const STUDENT_CATEGORIES = ['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'] as const;
export type StudentCategory = (typeof STUDENT_CATEGORIES)[number];

export const DORMITORY_STATES = ['ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT', 'OFF_CAMPUS_NOT_CHECKED_OUT'] as const;
export type DormitoryState = (typeof DORMITORY_STATES)[number];

export const ITEM_STATUSES = ['LOCKED', 'PENDING', 'APPROVED', 'REJECTED', 'WAIVED'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** Who or what caused a change of an item. */
export const DECISION_SOURCES = ['REVIEWER', 'SYNC', 'POLICY', 'SELF', 'SYSTEM', 'ADMIN'] as const;
export type DecisionSource = (typeof DECISION_SOURCES)[number];

/** Which reviewers of the template's department see an item. */
export const SCOPE_KINDS = ['UNIVERSITY', 'COLLEGE', 'CAMPUS', 'SUPERVISOR', 'SELF'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export interface LocalizedText {
  zh: string;
  en: string;
}

/**
 * A condition on a student's facts. Every field that is present must match
 * (AND); an absent field matches everything. An empty object matches everyone.
 */
export interface StudentCondition {
  categories?: StudentCategory[];
  collegeCodes?: string[];
  notCollegeCodes?: string[];
  campusCodes?: string[];
  dormitoryStates?: DormitoryState[];
}

/** An exemption: the item stays on the sheet as WAIVED with this reason. */
export interface Waiver {
  code: string;
  when: StudentCondition;
  reason: LocalizedText;
}

export interface ApplicabilityRule {
  /** The item is on the sheet of a student matching any of these (OR). */
  appliesTo: StudentCondition[];
  /** The first matching waiver makes the item WAIVED. */
  waivers: Waiver[];
}

/** Approval by policy at creation time (e.g. ASSET in 2020). */
export interface AutoApprovalPolicy {
  reason: LocalizedText;
}

/** The notice words some requirements differently per group, e.g. postgraduates also submit their thesis. */
export interface RequirementVariant {
  when: StudentCondition;
  text: LocalizedText;
}

export interface ItemTemplate {
  code: string;
  sequence: number;
  name: LocalizedText;
  requirement: LocalizedText;
  /** The first variant matching the student replaces `requirement`. */
  requirementVariants?: RequirementVariant[];
  departmentCode: string;
  scope: ScopeKind;
  applicability: ApplicabilityRule;
  /** Codes of templates that must be APPROVED (or WAIVED) first. A prerequisite that does not apply to the student is satisfied. */
  prerequisites: string[];
  autoApproval: AutoApprovalPolicy | null;
  active: boolean;
}

export interface StudentFacts {
  category: StudentCategory;
  collegeCode: string;
  campusCode: string;
  dormitory: DormitoryState;
  deferred: boolean;
}

export interface Campus {
  code: string;
  name: LocalizedText;
}

/** A college or other training unit (培养单位). */
export interface College {
  code: string;
  name: LocalizedText;
}

export interface Contact {
  /** The campus whose students this contact serves; null serves every campus. */
  campusCode: string | null;
  /** Null when the desk sits in each college, so there is no one number to give. */
  phone: string | null;
  office: LocalizedText;
  hours: LocalizedText;
}

/** A clearance node (离校点): the department that reviews one or more items. */
export interface Department {
  code: string;
  name: LocalizedText;
  contacts: Contact[];
}

export interface LoginHelp {
  name: LocalizedText;
  phone: string;
}

export const SURVEY_QUESTION_KINDS = ['SINGLE_CHOICE', 'MULTI_CHOICE', 'TEXT'] as const;
export type SurveyQuestionKind = (typeof SURVEY_QUESTION_KINDS)[number];

export interface SurveyChoice {
  value: string;
  label: LocalizedText;
}

export interface SurveyChoiceQuestion {
  code: string;
  kind: 'SINGLE_CHOICE' | 'MULTI_CHOICE';
  text: LocalizedText;
  required: boolean;
  choices: SurveyChoice[];
}

export interface SurveyTextQuestion {
  code: string;
  kind: 'TEXT';
  text: LocalizedText;
  required: boolean;
  maxLength: number;
}

export type SurveyQuestion = SurveyChoiceQuestion | SurveyTextQuestion;

export interface Survey {
  code: string;
  title: LocalizedText;
  questions: SurveyQuestion[];
}

/** Everything an administrator can change for one cohort without a code change. */
export interface RuleSet {
  cohortYear: number;
  version: number;
  /** Free text for administrators, e.g. which contacts are still placeholders. */
  notes?: string;
  loginHelp: LoginHelp;
  campuses: Campus[];
  colleges: College[];
  departments: Department[];
  templates: ItemTemplate[];
  survey: Survey;
}
