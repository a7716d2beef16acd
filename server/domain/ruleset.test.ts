import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDefaultRuleSet, parseRuleSet, RuleSetError, type RuleSetProblem } from './ruleset.js';

function defaultJson(): Record<string, any> {
  return JSON.parse(readFileSync(new URL('../seed/ruleset-2020.json', import.meta.url), 'utf8'));
}

function problemsOf(json: unknown): RuleSetProblem[] {
  try {
    parseRuleSet(json);
  } catch (error) {
    if (error instanceof RuleSetError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the rule set to be rejected');
}

describe('the default rule set (cohort 2020)', () => {
  const ruleSet = loadDefaultRuleSet();

  it('is cohort 2020, version 1, with the twelve items numbered 0..11', () => {
    expect(ruleSet.cohortYear).toBe(2020);
    expect(ruleSet.version).toBe(1);
    expect(ruleSet.templates.map((template) => [template.sequence, template.code])).toEqual([
      [0, 'SURVEY'],
      [1, 'SUPERVISOR'],
      [2, 'LIBRARY'],
      [3, 'EQUIPMENT'],
      [4, 'SKL_TEST_FEE'],
      [5, 'HOSPITAL'],
      [6, 'FINANCE'],
      [7, 'ASSET'],
      [8, 'CAREER'],
      [9, 'STUDENT_AFFAIRS'],
      [10, 'GRAD_SECRETARY'],
      [11, 'DORM'],
    ]);
    expect(ruleSet.templates.every((template) => template.active)).toBe(true);
  });

  it('gates every item except the survey and the supervisor review behind SUPERVISOR', () => {
    for (const template of ruleSet.templates) {
      const expected = template.code === 'SURVEY' || template.code === 'SUPERVISOR' ? [] : ['SUPERVISOR'];
      expect(template.prerequisites, template.code).toEqual(expected);
    }
  });

  it('auto-approves ASSET only', () => {
    expect(ruleSet.templates.filter((template) => template.autoApproval !== null).map((template) => template.code)).toEqual(['ASSET']);
  });

  it('has the scopes of the table', () => {
    expect(Object.fromEntries(ruleSet.templates.map((template) => [template.code, template.scope]))).toEqual({
      SURVEY: 'SELF',
      SUPERVISOR: 'SUPERVISOR',
      LIBRARY: 'UNIVERSITY',
      EQUIPMENT: 'UNIVERSITY',
      SKL_TEST_FEE: 'UNIVERSITY',
      HOSPITAL: 'UNIVERSITY',
      FINANCE: 'UNIVERSITY',
      ASSET: 'UNIVERSITY',
      CAREER: 'UNIVERSITY',
      STUDENT_AFFAIRS: 'COLLEGE',
      GRAD_SECRETARY: 'COLLEGE',
      DORM: 'CAMPUS',
    });
  });

  it('has both campuses and the dormitory office of each', () => {
    expect(ruleSet.campuses.map((campus) => campus.code)).toEqual(['NANWANGSHAN', 'FUTURE_CITY']);
    const dorm = ruleSet.departments.find((department) => department.code === 'DORM_OFFICE');
    expect(dorm?.contacts.map((contact) => [contact.campusCode, contact.office.zh])).toEqual([
      ['NANWANGSHAN', '学生住宿服务中心（西区学生公寓56栋后）'],
      ['FUTURE_CITY', '未来城校区管理办公室（教学服务中心329）'],
    ]);
  });

  it('names the login help desk and says which contacts are placeholders', () => {
    expect(ruleSet.loginHelp.phone).toBe('027-67885173');
    expect(ruleSet.notes).toMatch(/placeholder/i);
  });

  it('has a survey of 4 to 6 questions of every kind', () => {
    const { questions } = ruleSet.survey;
    expect(questions.length).toBeGreaterThanOrEqual(4);
    expect(questions.length).toBeLessThanOrEqual(6);
    expect(new Set(questions.map((question) => question.kind))).toEqual(new Set(['SINGLE_CHOICE', 'MULTI_CHOICE', 'TEXT']));
  });

  it('shares no objects with the JSON it was read from', () => {
    const json = defaultJson();
    const parsed = parseRuleSet(json);
    json.templates[0].name.zh = 'changed';
    expect(parsed.templates[0]?.name.zh).toBe('就业与人才培养质量调研问卷');
  });
});

describe('parseRuleSet rejects a broken rule set', () => {
  it('lists every problem of a broken copy with its JSON path', () => {
    const json = defaultJson();
    json.templates[2].prerequisites = ['NO_SUCH_ITEM'];
    json.templates[3].code = 'LIBRARY';
    json.templates[4].sequence = 2;
    json.templates[5].departmentCode = 'NOWHERE';
    json.templates[6].scope = 'GLOBAL';
    json.templates[3].applicability.waivers[0].when.collegeCodes[0] = 'ATLANTIS';
    json.templates[1].applicability.appliesTo[0].categories[0] = 'PHD';
    json.templates[1].prerequisites = ['DORM'];
    json.templates[0].activ = true;
    delete json.templates[0].active;
    json.departments[10].contacts[1].campusCode = 'MARS';
    json.survey.questions[0].kind = 'RATING';

    const problems = problemsOf(json);
    const messageAt = (path: string) => problems.find((problem) => problem.path === path)?.message;

    expect(messageAt('$.templates[2].prerequisites[0]')).toBe('unknown template code "NO_SUCH_ITEM"');
    expect(messageAt('$.templates[3].code')).toBe('duplicate code "LIBRARY" (first at $.templates[2])');
    expect(messageAt('$.templates[4].sequence')).toBe('duplicate sequence 2 (first at $.templates[2])');
    expect(messageAt('$.templates[5].departmentCode')).toBe('unknown department code "NOWHERE"');
    expect(messageAt('$.templates[6].scope')).toMatch(/^must be one of UNIVERSITY, COLLEGE, CAMPUS, SUPERVISOR, SELF, got "GLOBAL"$/);
    expect(messageAt('$.templates[3].applicability.waivers[0].when.collegeCodes[0]')).toBe('unknown college code "ATLANTIS"');
    expect(messageAt('$.templates[1].applicability.appliesTo[0].categories[0]')).toMatch(/got "PHD"$/);
    expect(messageAt('$.templates[0].active')).toBe('is required');
    expect(messageAt('$.templates[0].activ')).toBe('unknown field');
    expect(messageAt('$.departments[10].contacts[1].campusCode')).toBe('unknown campus code "MARS"');
    expect(messageAt('$.survey.questions[0].kind')).toMatch(/got "RATING"$/);
    expect(problems.find((problem) => problem.message.startsWith('prerequisite cycle'))).toEqual({
      path: '$.templates[11].prerequisites[0]',
      message: 'prerequisite cycle: SUPERVISOR → DORM → SUPERVISOR',
    });
    expect(problems).toHaveLength(12);
  });

  it('puts every path in the error message', () => {
    const json = defaultJson();
    json.templates[2].departmentCode = 'NOWHERE';
    json.colleges[12].code = 'lower case';
    expect(() => parseRuleSet(json)).toThrow(
      /Invalid rule set \(2 problem\(s\)\):\n {2}\$\.colleges\[12\]\.code: .*\n {2}\$\.templates\[2\]\.departmentCode: unknown department code "NOWHERE"/,
    );
  });

  it('reports an item that is its own prerequisite', () => {
    const json = defaultJson();
    json.templates[2].prerequisites = ['SUPERVISOR', 'LIBRARY'];
    expect(problemsOf(json)).toEqual([{ path: '$.templates[2].prerequisites[1]', message: 'prerequisite cycle: LIBRARY → LIBRARY' }]);
  });

  it('refuses conditions that could never match, instead of silently dropping the item', () => {
    const json = defaultJson();
    json.templates[2].applicability.appliesTo = [];
    json.templates[3].applicability.appliesTo[0].categories = [];
    expect(problemsOf(json).map((problem) => problem.path)).toEqual([
      '$.templates[2].applicability.appliesTo',
      '$.templates[3].applicability.appliesTo[0].categories',
    ]);
  });

  it('checks departments: duplicate codes, two contacts for one campus, empty phone', () => {
    // Renaming GRADUATE_SCHOOL also orphans the SUPERVISOR item that refers to it.
    const json = defaultJson();
    json.departments[1].code = json.departments[0].code;
    json.departments[10].contacts[1].campusCode = 'NANWANGSHAN';
    json.departments[2].contacts[0].phone = ' ';
    expect(problemsOf(json).map((problem) => problem.path)).toEqual([
      '$.departments[1].code',
      '$.departments[2].contacts[0].phone',
      '$.departments[10].contacts[1].campusCode',
      '$.templates[1].departmentCode',
    ]);
  });

  it('checks the survey: choice questions need two distinct choices, text questions a maximum length', () => {
    const json = defaultJson();
    json.survey.questions[0].choices = [json.survey.questions[0].choices[0]];
    json.survey.questions[1].choices[1].value = json.survey.questions[1].choices[0].value;
    delete json.survey.questions[4].maxLength;
    json.survey.questions[3].maxLength = 10;
    expect(problemsOf(json).map((problem) => problem.path)).toEqual([
      '$.survey.questions[0].choices',
      '$.survey.questions[1].choices[1].value',
      '$.survey.questions[3].maxLength',
      '$.survey.questions[4].maxLength',
    ]);
  });

  it.each([
    ['not an object', [], ['$']],
    ['missing everything', {}, ['$.cohortYear', '$.version', '$.loginHelp', '$.campuses', '$.colleges', '$.departments', '$.templates', '$.survey']],
    ['a bad version', { ...defaultJson(), version: 0 }, ['$.version']],
    ['a fractional cohort', { ...defaultJson(), cohortYear: 2020.5 }, ['$.cohortYear']],
  ])('rejects %s', (_label, json, paths) => {
    expect(problemsOf(json).map((problem) => problem.path)).toEqual(paths);
  });
});
