import { describe, expect, it } from 'vitest';
import { applyRuleChangeToRules, planRuleChange, RuleChangeError, RULE_CHANGE_NOTES, type CurrentItem, type ItemEffect } from './rule-change.js';
import { loadDefaultRuleSet } from './ruleset.js';
import { planSheet, resolveLocks } from './sheet.js';
import type { ItemStatus, ItemTemplate, StudentFacts } from './types.js';

const ruleSet = loadDefaultRuleSet();
const { templates } = ruleSet;

function student(facts: Partial<StudentFacts> = {}): StudentFacts {
  return { category: 'UNDERGRADUATE', collegeCode: 'COMPUTER_SCIENCE', campusCode: 'NANWANGSHAN', dormitory: 'ON_CAMPUS', deferred: false, ...facts };
}

function templateOf(code: string): ItemTemplate {
  return templates.find((template) => template.code === code)!;
}

/** The sheet planSheet gives a new student, as stored, with some items then decided (and the gate re-locked as a decision does). */
function sheetOf(facts: StudentFacts, decided: Record<string, { status: ItemStatus; source: CurrentItem['source'] }> = {}): CurrentItem[] {
  const items = planSheet(facts, templates).map((item) => ({
    code: item.code,
    status: item.initialStatus,
    source: item.source,
    waiverCode: item.waivedBecause?.code ?? null,
    prerequisites: item.prerequisites,
    ...decided[item.code],
  }));
  return resolveLocks(items).map(({ prerequisites: _, ...item }) => item);
}

function replaced(...changed: ItemTemplate[]): ItemTemplate[] {
  const byCode = new Map(changed.map((template) => [template.code, template]));
  const added = changed.filter((template) => !templates.some((existing) => existing.code === template.code));
  return [...templates.map((template) => byCode.get(template.code) ?? template), ...added];
}

/** Applies effects to a stored sheet, as the service writes them. */
function applied(items: CurrentItem[], effects: ItemEffect[]): CurrentItem[] {
  const after = items.map((item) => {
    const effect = effects.find((candidate) => candidate.code === item.code);
    return effect ? { ...item, status: effect.to, source: effect.source, waiverCode: effect.waiverCode } : item;
  });
  const gained = effects
    .filter((effect) => effect.effect === 'GAINED')
    .map((effect) => ({ code: effect.code, status: effect.to, source: effect.source, waiverCode: effect.waiverCode }));
  return [...after, ...gained];
}

const summary = (effects: ItemEffect[]) => effects.map(({ code, effect, from, to }) => ({ code, effect, from, to }));

describe('planRuleChange', () => {
  it('changes nothing when the rules did not change, for every kind of student', () => {
    for (const category of ['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'] as const) {
      for (const dormitory of ['ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT'] as const) {
        for (const collegeCode of ['COMPUTER_SCIENCE', 'EARTH_SCIENCES', 'MARXISM']) {
          const facts = student({ category, dormitory, collegeCode });
          expect(planRuleChange(facts, sheetOf(facts), templates)).toEqual([]);
          const decided = sheetOf(facts, { FINANCE: { status: 'REJECTED', source: 'REVIEWER' }, LIBRARY: { status: 'APPROVED', source: 'SYNC' } });
          expect(planRuleChange(facts, decided, templates)).toEqual([]);
        }
      }
    }
  });

  it('adds a newly applicable item, locked while its prerequisite is open and pending once it is approved', () => {
    const hospital = { ...templateOf('HOSPITAL'), applicability: { appliesTo: [{}], waivers: [] } };
    const facts = student({ category: 'POSTGRADUATE_SINGLE' });
    expect(summary(planRuleChange(facts, sheetOf(facts), replaced(hospital)))).toEqual([{ code: 'HOSPITAL', effect: 'GAINED', from: null, to: 'LOCKED' }]);
    const supervised = sheetOf(facts, { SUPERVISOR: { status: 'APPROVED', source: 'REVIEWER' } });
    const [gained] = planRuleChange(facts, supervised, replaced(hospital));
    expect(gained).toMatchObject({ code: 'HOSPITAL', effect: 'GAINED', from: null, to: 'PENDING', source: 'SYSTEM', reason: null });
  });

  it('creates a gained item with its waiver or its policy, as planSheet would', () => {
    const thesis: ItemTemplate = {
      ...templateOf('LIBRARY'),
      code: 'THESIS_ARCHIVE',
      sequence: 12,
      prerequisites: [],
      applicability: {
        appliesTo: [{}],
        waivers: [{ code: 'UNDERGRADUATES_EXEMPT', when: { categories: ['UNDERGRADUATE'] }, reason: { zh: '本科生免办', en: 'Undergraduates are exempt' } }],
      },
      autoApproval: null,
    };
    const [waived] = planRuleChange(student(), sheetOf(student()), replaced(thesis));
    expect(waived).toMatchObject({
      code: 'THESIS_ARCHIVE',
      effect: 'GAINED',
      to: 'WAIVED',
      source: 'SYSTEM',
      waiverCode: 'UNDERGRADUATES_EXEMPT',
      reason: { zh: '本科生免办' },
    });
    const policy = { ...thesis, applicability: { appliesTo: [{}], waivers: [] }, autoApproval: { reason: { zh: '线上通过', en: 'Approved online' } } };
    expect(planRuleChange(student(), sheetOf(student()), replaced(policy))).toMatchObject([
      { effect: 'GAINED', to: 'APPROVED', source: 'POLICY', reason: { zh: '线上通过' } },
    ]);
  });

  it('waives undecided items whose template no longer applies and keeps decided ones as they are', () => {
    const facts = student({ category: 'POSTGRADUATE_DUAL' });
    const items = sheetOf(facts, { SUPERVISOR: { status: 'APPROVED', source: 'REVIEWER' }, CAREER: { status: 'REJECTED', source: 'REVIEWER' } });
    const careerAndHospitalForUndergraduates = replaced(
      { ...templateOf('CAREER'), applicability: { appliesTo: [{ categories: ['UNDERGRADUATE'] }], waivers: [] } },
      { ...templateOf('HOSPITAL'), applicability: { appliesTo: [{ categories: ['UNDERGRADUATE'] }], waivers: [] } },
    );
    const effects = planRuleChange(facts, items, careerAndHospitalForUndergraduates);
    expect(summary(effects)).toEqual([
      { code: 'HOSPITAL', effect: 'LOST', from: 'PENDING', to: 'WAIVED' },
      { code: 'CAREER', effect: 'KEPT', from: 'REJECTED', to: 'REJECTED' },
    ]);
    expect(effects[0]).toMatchObject({ source: 'SYSTEM', reason: RULE_CHANGE_NOTES.LOST, waiverCode: null });
  });

  it('treats a deactivated template like one that applies to nobody', () => {
    const facts = student();
    const items = sheetOf(facts, { LIBRARY: { status: 'APPROVED', source: 'REVIEWER' } });
    expect(summary(planRuleChange(facts, items, replaced({ ...templateOf('LIBRARY'), active: false }, { ...templateOf('FINANCE'), active: false })))).toEqual([
      { code: 'LIBRARY', effect: 'KEPT', from: 'APPROVED', to: 'APPROVED' },
      { code: 'FINANCE', effect: 'LOST', from: 'PENDING', to: 'WAIVED' },
    ]);
  });

  it('re-locks and unlocks undecided items when prerequisites change, leaving decided ones', () => {
    const facts = student();
    const items = sheetOf(facts, { CAREER: { status: 'APPROVED', source: 'REVIEWER' } });
    const afterLibrary = (code: string) => ({ ...templateOf(code), prerequisites: ['LIBRARY'] });
    const effects = planRuleChange(facts, items, replaced(afterLibrary('FINANCE'), afterLibrary('CAREER')));
    expect(summary(effects)).toEqual([{ code: 'FINANCE', effect: 'RELOCKED', from: 'PENDING', to: 'LOCKED' }]);
    expect(summary(planRuleChange(facts, applied(items, effects), templates))).toEqual([
      { code: 'FINANCE', effect: 'UNLOCKED', from: 'LOCKED', to: 'PENDING' },
    ]);
  });

  it('waives undecided items by a new waiver and approves them by a new policy, but never a decision', () => {
    const facts = student({ collegeCode: 'MATHEMATICS_PHYSICS' });
    const items = sheetOf(facts, { LIBRARY: { status: 'REJECTED', source: 'REVIEWER' } });
    const waiver = {
      code: 'MATHS_EXEMPT',
      when: { collegeCodes: ['MATHEMATICS_PHYSICS'] },
      reason: { zh: '数理学院免办', en: 'Mathematics & Physics is exempt' },
    };
    const rules = replaced(
      { ...templateOf('LIBRARY'), applicability: { appliesTo: [{}], waivers: [waiver] } },
      { ...templateOf('HOSPITAL'), applicability: { appliesTo: [{}], waivers: [waiver] } },
      { ...templateOf('FINANCE'), autoApproval: { reason: { zh: '线上缴费已核对', en: 'Paid online' } } },
    );
    const effects = planRuleChange(facts, items, rules);
    expect(summary(effects)).toEqual([
      { code: 'HOSPITAL', effect: 'WAIVED', from: 'PENDING', to: 'WAIVED' },
      { code: 'FINANCE', effect: 'AUTO_APPROVED', from: 'PENDING', to: 'APPROVED' },
    ]);
    expect(effects[0]).toMatchObject({ source: 'SYSTEM', waiverCode: 'MATHS_EXEMPT', reason: waiver.reason });
    expect(effects[1]).toMatchObject({ source: 'POLICY', reason: { zh: '线上缴费已核对' } });
  });

  it("keeps an administrator's waiver and reinstates an item only a rule had waived", () => {
    const facts = student({ dormitory: 'OFF_CAMPUS_CHECKED_OUT' });
    const items = sheetOf(facts, { HOSPITAL: { status: 'WAIVED', source: 'ADMIN' } });
    expect(items.find((item) => item.code === 'DORM')).toMatchObject({ status: 'WAIVED', source: 'SYSTEM', waiverCode: 'ALREADY_CHECKED_OUT' });
    const noWaivers = replaced(
      { ...templateOf('DORM'), applicability: { appliesTo: [{}], waivers: [] } },
      { ...templateOf('HOSPITAL'), applicability: { appliesTo: [{ categories: ['POSTGRADUATE_DUAL'] }], waivers: [] } },
    );
    const effects = planRuleChange(facts, items, noWaivers);
    expect(summary(effects)).toEqual([
      { code: 'HOSPITAL', effect: 'KEPT', from: 'WAIVED', to: 'WAIVED' },
      { code: 'DORM', effect: 'REINSTATED', from: 'WAIVED', to: 'PENDING' },
    ]);
    expect(effects[1]).toMatchObject({ source: 'SYSTEM', reason: null, waiverCode: null });
  });

  it('is undone by changing the rules back, except for what was decided in between', () => {
    const facts = student({ category: 'POSTGRADUATE_DUAL', collegeCode: 'EARTH_SCIENCES' });
    const items = sheetOf(facts);
    const narrowed = replaced(
      { ...templateOf('SUPERVISOR'), active: false },
      { ...templateOf('SKL_TEST_FEE'), applicability: { appliesTo: [{ categories: ['UNDERGRADUATE'] }], waivers: [] } },
    );
    const changed = applied(items, planRuleChange(facts, items, narrowed));
    expect(changed.filter((item) => item.status === 'LOCKED')).toEqual([]);
    const reverted = applied(changed, planRuleChange(facts, changed, templates));
    expect(reverted).toEqual(items);
  });
});

describe('applyRuleChangeToRules', () => {
  const current = { campuses: ruleSet.campuses, colleges: ruleSet.colleges, departments: ruleSet.departments, templates };
  const problemsOf = (change: Parameters<typeof applyRuleChangeToRules>[1]) => {
    try {
      applyRuleChangeToRules(current, change);
    } catch (error) {
      if (error instanceof RuleChangeError) return error.problems;
      throw error;
    }
    return [];
  };

  it('replaces a template by code and adds a new one last', () => {
    const changed = applyRuleChangeToRules(current, { template: { ...templateOf('DORM'), active: false } });
    expect(changed.templates.find((template) => template.code === 'DORM')?.active).toBe(false);
    expect(changed.templates).toHaveLength(templates.length);
    const added = applyRuleChangeToRules(current, { template: { ...templateOf('DORM'), code: 'THESIS', sequence: 12 } });
    expect(added.templates.map((template) => template.code).at(-1)).toBe('THESIS');
  });

  it('changes only the fields a change of an existing template names', () => {
    const changed = applyRuleChangeToRules(current, { template: { code: 'ASSET', autoApproval: null } });
    expect(changed.templates.find((template) => template.code === 'ASSET')).toEqual({ ...templateOf('ASSET'), autoApproval: null });
    expect(problemsOf({ template: { code: 'THESIS', sequence: 12 } }).map((problem) => problem.path)).toContain('template.name');
  });

  it("reports unknown codes, a taken sequence and a malformed condition at the change's own paths", () => {
    const problems = problemsOf({
      template: {
        ...templateOf('DORM'),
        code: 'THESIS',
        sequence: 3,
        departmentCode: 'NOWHERE',
        prerequisites: ['SUPERVISOR', 'MISSING'],
        applicability: { appliesTo: [{ categories: [] }], waivers: [] },
      },
    });
    expect(problems.map((problem) => problem.path).sort()).toEqual([
      'template.applicability.appliesTo[0].categories',
      'template.departmentCode',
      'template.prerequisites[1]',
      'template.sequence',
    ]);
  });

  it('reports a prerequisite cycle the change closes', () => {
    const problems = problemsOf({ template: { ...templateOf('SUPERVISOR'), prerequisites: ['LIBRARY'] } });
    expect(problems).toEqual([{ path: expect.stringMatching(/^template\.prerequisites/), message: expect.stringContaining('prerequisite cycle') }]);
  });

  it("replaces a department's contacts, checking campus codes", () => {
    const contact = {
      campusCode: 'FUTURE_CITY',
      phone: '027-67880000',
      office: { zh: '图书馆一楼', en: 'Library, ground floor' },
      hours: { zh: '工作日', en: 'Weekdays' },
    };
    const changed = applyRuleChangeToRules(current, { departmentContacts: [{ departmentCode: 'LIBRARY', contacts: [contact] }] });
    expect(changed.departments.find((department) => department.code === 'LIBRARY')?.contacts).toEqual([contact]);
    expect(problemsOf({ departmentContacts: [{ departmentCode: 'LIBRARY', contacts: [{ ...contact, campusCode: 'MOON' }] }] })).toEqual([
      { path: 'departmentContacts[0].contacts[0].campusCode', message: expect.stringContaining('unknown campus') },
    ]);
    expect(problemsOf({ departmentContacts: [{ departmentCode: 'NOWHERE', contacts: [contact] }] })).toMatchObject([
      { path: 'departmentContacts[0].departmentCode' },
    ]);
  });
});
