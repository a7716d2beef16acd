import { readFileSync } from 'node:fs';
import {
  boolean,
  code,
  fieldPath,
  indexPath,
  integerAtLeast,
  isJsonObject,
  listOf,
  nonEmptyString,
  nullable,
  oneOf,
  record,
  reference,
  taggedUnion,
  type JsonProblem,
  type Reader,
} from './json-reader.js';
import {
  DORMITORY_STATES,
  SCOPE_KINDS,
  STUDENT_CATEGORIES,
  type Campus,
  type College,
  type Contact,
  type Department,
  type ItemTemplate,
  type LocalizedText,
  type RuleSet,
  type StudentCondition,
  type Survey,
  type SurveyChoice,
  type SurveyQuestion,
  type SurveyQuestionKind,
} from './types.js';

export type {
  Campus,
  College,
  Contact,
  Department,
  LoginHelp,
  RuleSet,
  Survey,
  SurveyChoice,
  SurveyChoiceQuestion,
  SurveyQuestion,
  SurveyQuestionKind,
  SurveyTextQuestion,
} from './types.js';

export type RuleSetProblem = JsonProblem;

export class RuleSetError extends Error {
  readonly problems: readonly RuleSetProblem[];

  constructor(problems: readonly RuleSetProblem[]) {
    const lines = problems.map((problem) => `  ${problem.path}: ${problem.message}`);
    super(`Invalid rule set (${problems.length} problem(s)):\n${lines.join('\n')}`);
    this.name = 'RuleSetError';
    this.problems = problems;
  }
}

const localizedText: Reader<LocalizedText> = record({ zh: nonEmptyString, en: nonEmptyString });

const campus: Reader<Campus> = record({ code, name: localizedText });

const college: Reader<College> = record({ code, name: localizedText });

const surveyChoice: Reader<SurveyChoice> = record({ value: code, label: localizedText });

const choiceQuestion = record({
  code,
  kind: oneOf(['SINGLE_CHOICE', 'MULTI_CHOICE']),
  text: localizedText,
  required: boolean,
  choices: listOf(surveyChoice, { minLength: 2, uniqueBy: ['value'] }),
});

const textQuestion = record({
  code,
  kind: oneOf(['TEXT']),
  text: localizedText,
  required: boolean,
  maxLength: integerAtLeast(1),
});

const questionReaderByKind: Record<SurveyQuestionKind, Reader<SurveyQuestion>> = {
  SINGLE_CHOICE: choiceQuestion,
  MULTI_CHOICE: choiceQuestion,
  TEXT: textQuestion,
};

const survey: Reader<Survey> = record({
  code,
  title: localizedText,
  questions: listOf(taggedUnion('kind', questionReaderByKind), { minLength: 1, uniqueBy: ['code'] }),
});

interface DeclaredCodes {
  campuses: ReadonlySet<string>;
  colleges: ReadonlySet<string>;
  departments: ReadonlySet<string>;
  templates: ReadonlySet<string>;
}

/** Codes are collected before reading so that a reference is checked even when its target entry has other mistakes. */
function declaredCodes(json: unknown): DeclaredCodes {
  const codesOf = (section: string): Set<string> => {
    const entries = isJsonObject(json) ? json[section] : undefined;
    if (!Array.isArray(entries)) return new Set();
    return new Set(entries.flatMap((entry) => (isJsonObject(entry) && typeof entry.code === 'string' ? [entry.code] : [])));
  };
  return {
    campuses: codesOf('campuses'),
    colleges: codesOf('colleges'),
    departments: codesOf('departments'),
    templates: codesOf('templates'),
  };
}

function ruleSetReader(declared: DeclaredCodes): Reader<RuleSet> {
  const campusCode = reference('campus', declared.campuses);
  const collegeCode = reference('college', declared.colleges);

  // An empty list would match nobody; leaving the field out is how a condition matches everyone.
  const condition: Reader<StudentCondition> = record(
    {},
    {
      categories: listOf(oneOf(STUDENT_CATEGORIES), { minLength: 1 }),
      collegeCodes: listOf(collegeCode, { minLength: 1 }),
      notCollegeCodes: listOf(collegeCode, { minLength: 1 }),
      campusCodes: listOf(campusCode, { minLength: 1 }),
      dormitoryStates: listOf(oneOf(DORMITORY_STATES), { minLength: 1 }),
    },
  );

  const contact: Reader<Contact> = record({
    campusCode: nullable(campusCode),
    phone: nullable(nonEmptyString),
    office: localizedText,
    hours: localizedText,
  });

  const department: Reader<Department> = record({
    code,
    name: localizedText,
    contacts: listOf(contact, { minLength: 1, uniqueBy: ['campusCode'] }),
  });

  const template: Reader<ItemTemplate> = record(
    {
      code,
      sequence: integerAtLeast(0),
      name: localizedText,
      requirement: localizedText,
      departmentCode: reference('department', declared.departments),
      scope: oneOf(SCOPE_KINDS),
      applicability: record({
        // A template that applies to nobody is switched off with `active: false` instead.
        appliesTo: listOf(condition, { minLength: 1 }),
        waivers: listOf(record({ code, when: condition, reason: localizedText }), { uniqueBy: ['code'] }),
      }),
      prerequisites: listOf(reference('template', declared.templates)),
      autoApproval: nullable(record({ reason: localizedText })),
      active: boolean,
    },
    { requirementVariants: listOf(record({ when: condition, text: localizedText })) },
  );

  return record(
    {
      cohortYear: integerAtLeast(2000),
      version: integerAtLeast(1),
      loginHelp: record({ name: localizedText, phone: nonEmptyString }),
      campuses: listOf(campus, { minLength: 1, uniqueBy: ['code'] }),
      colleges: listOf(college, { minLength: 1, uniqueBy: ['code'] }),
      departments: listOf(department, { minLength: 1, uniqueBy: ['code'] }),
      templates: listOf(template, { minLength: 1, uniqueBy: ['code', 'sequence'] }),
      survey,
    },
    { notes: nonEmptyString },
  );
}

/** Reports each prerequisite edge that closes a cycle: such items could never be unlocked. */
function reportPrerequisiteCycles(json: unknown, problems: JsonProblem[]): void {
  const templates = isJsonObject(json) && Array.isArray(json.templates) ? json.templates : [];
  const edgesByCode = new Map<string, { index: number; prerequisites: unknown[] }>();
  templates.forEach((entry, index) => {
    if (!isJsonObject(entry) || typeof entry.code !== 'string') return;
    edgesByCode.set(entry.code, { index, prerequisites: Array.isArray(entry.prerequisites) ? entry.prerequisites : [] });
  });

  const finished = new Set<string>();
  const path: string[] = [];
  const visit = (templateCode: string): void => {
    const edges = edgesByCode.get(templateCode);
    if (edges === undefined) return;
    path.push(templateCode);
    edges.prerequisites.forEach((prerequisite, prerequisiteIndex) => {
      if (typeof prerequisite !== 'string' || finished.has(prerequisite)) return;
      const cycleStart = path.indexOf(prerequisite);
      if (cycleStart === -1) {
        visit(prerequisite);
        return;
      }
      problems.push({
        path: indexPath(fieldPath(indexPath('$.templates', edges.index), 'prerequisites'), prerequisiteIndex),
        message: `prerequisite cycle: ${[...path.slice(cycleStart), prerequisite].join(' → ')}`,
      });
    });
    path.pop();
    finished.add(templateCode);
  };
  for (const templateCode of edgesByCode.keys()) {
    if (!finished.has(templateCode)) visit(templateCode);
  }
}

/** Validates an untrusted rule set; throws a RuleSetError listing every problem with its JSON path. */
export function parseRuleSet(json: unknown): RuleSet {
  const problems: JsonProblem[] = [];
  const ruleSet = ruleSetReader(declaredCodes(json))(json, '$', problems);
  reportPrerequisiteCycles(json, problems);
  if (ruleSet === undefined || problems.length > 0) throw new RuleSetError(problems);
  return ruleSet;
}

const DEFAULT_RULE_SET_URL = new URL('../seed/ruleset-2020.json', import.meta.url);

/** The cohort-2020 rule set of docs/domain.md. */
export function loadDefaultRuleSet(): RuleSet {
  return parseRuleSet(JSON.parse(readFileSync(DEFAULT_RULE_SET_URL, 'utf8')));
}
