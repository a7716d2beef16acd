import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDefaultRuleSet, parseRuleSet } from './ruleset.js';
import {
  blockedBy,
  contactFor,
  evaluateTemplate,
  planSheet,
  requirementFor,
  resolveLocks,
  summarizeProgress,
  type PlannedItem,
  type SheetItem,
} from './sheet.js';
import type { ItemStatus, ItemTemplate, StudentCategory, StudentFacts } from './types.js';

const ruleSet = loadDefaultRuleSet();
const { templates } = ruleSet;

const EQUIPMENT_EXEMPT_COLLEGES = ['ARTS_COMMUNICATION', 'ECONOMICS_MANAGEMENT', 'FOREIGN_LANGUAGES', 'PHYSICAL_EDUCATION', 'MARXISM'];
const STATE_KEY_LAB_UNITS = ['EARTH_SCIENCES', 'EARTH_RESOURCES', 'MATERIALS_CHEMISTRY', 'GEMMOLOGY', 'STATE_KEY_LAB'];
const ORDINARY_COLLEGES = ['COMPUTER_SCIENCE', 'ENVIRONMENTAL_STUDIES', 'MATHEMATICS_PHYSICS'];
const CATEGORIES: StudentCategory[] = ['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'];
const POSTGRADUATE_CATEGORIES: StudentCategory[] = ['POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'];
const CAMPUSES = ['NANWANGSHAN', 'FUTURE_CITY'];

function student(facts: Partial<StudentFacts> = {}): StudentFacts {
  return {
    category: 'UNDERGRADUATE',
    collegeCode: 'COMPUTER_SCIENCE',
    campusCode: 'NANWANGSHAN',
    dormitory: 'ON_CAMPUS',
    deferred: false,
    ...facts,
  };
}

function itemOf(items: readonly PlannedItem[], code: string): PlannedItem {
  const item = items.find((candidate) => candidate.code === code);
  if (item === undefined) throw new Error(`${code} is not on the sheet`);
  return item;
}

function templateOf(code: string): ItemTemplate {
  const template = templates.find((candidate) => candidate.code === code);
  if (template === undefined) throw new Error(`no template ${code}`);
  return template;
}

function asSheet(items: readonly PlannedItem[]): SheetItem[] {
  return items.map(({ code, initialStatus, prerequisites }) => ({ code, status: initialStatus, prerequisites }));
}

function withStatus(items: readonly SheetItem[], code: string, status: ItemStatus): SheetItem[] {
  return items.map((item) => (item.code === code ? { ...item, status } : item));
}

function statusOf(items: readonly SheetItem[], code: string): ItemStatus | undefined {
  return items.find((item) => item.code === code)?.status;
}

function requiredCount(facts: StudentFacts, withTemplates: readonly ItemTemplate[] = templates): number {
  return summarizeProgress(asSheet(planSheet(facts, withTemplates))).required;
}

describe('the default items of cohort 2020', () => {
  it.each([
    ['UNDERGRADUATE', ['SURVEY', 'LIBRARY', 'EQUIPMENT', 'HOSPITAL', 'FINANCE', 'ASSET', 'CAREER', 'STUDENT_AFFAIRS', 'DORM']],
    ['POSTGRADUATE_DUAL', ['SURVEY', 'SUPERVISOR', 'LIBRARY', 'EQUIPMENT', 'HOSPITAL', 'FINANCE', 'CAREER', 'STUDENT_AFFAIRS', 'GRAD_SECRETARY', 'DORM']],
    ['POSTGRADUATE_SINGLE', ['SURVEY', 'SUPERVISOR', 'LIBRARY', 'FINANCE', 'GRAD_SECRETARY', 'DORM']],
  ] as const)('gives a %s of an ordinary college the items of the table in sequence order', (category, expected) => {
    const sheet = planSheet(student({ category }), templates);
    expect(sheet.map((item) => item.code)).toEqual(expected);
    const sequences = sheet.map((item) => item.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it('orders by sequence, not by the order of the templates', () => {
    const forwards = planSheet(student(), templates).map((item) => item.code);
    const backwards = planSheet(student(), [...templates].reverse()).map((item) => item.code);
    expect(backwards).toEqual(forwards);
  });

  it('leaves inactive templates off the sheet', () => {
    const withoutDorm = templates.map((template) => (template.code === 'DORM' ? { ...template, active: false } : template));
    expect(planSheet(student(), withoutDorm).map((item) => item.code)).not.toContain('DORM');
  });

  it('shows postgraduates the postgraduate wording of a requirement', () => {
    const library = templateOf('LIBRARY');
    expect(requirementFor(student(), library).zh).not.toContain('学位论文');
    for (const category of POSTGRADUATE_CATEGORIES) {
      expect(requirementFor(student({ category }), library).zh).toContain('提交学位论文');
    }
    expect(requirementFor(student({ category: 'POSTGRADUATE_DUAL' }), templateOf('FINANCE')).zh).toContain('财务借款');
  });
});

describe('ᵃ equipment: exempt for undergraduates of five colleges', () => {
  it.each(EQUIPMENT_EXEMPT_COLLEGES)('waives EQUIPMENT, with a reason, for an undergraduate of %s', (collegeCode) => {
    const equipment = itemOf(planSheet(student({ collegeCode }), templates), 'EQUIPMENT');
    expect(equipment.initialStatus).toBe('WAIVED');
    expect(equipment.source).toBe('SYSTEM');
    expect(equipment.waivedBecause?.code).toBe('EQUIPMENT_EXEMPT_COLLEGE');
    expect(equipment.reason?.zh).toContain('不需办理');
    expect(equipment.reason?.en).not.toBe('');
  });

  it.each(EQUIPMENT_EXEMPT_COLLEGES)('still requires EQUIPMENT of a dual-certificate postgraduate of %s', (collegeCode) => {
    const equipment = itemOf(planSheet(student({ category: 'POSTGRADUATE_DUAL', collegeCode }), templates), 'EQUIPMENT');
    expect(equipment.initialStatus).toBe('LOCKED');
    expect(equipment.waivedBecause).toBeNull();
  });

  it.each([...ORDINARY_COLLEGES, ...STATE_KEY_LAB_UNITS])('requires EQUIPMENT of an undergraduate of %s', (collegeCode) => {
    const equipment = itemOf(planSheet(student({ collegeCode }), templates), 'EQUIPMENT');
    expect(equipment.initialStatus).toBe('PENDING');
  });

  it.each(EQUIPMENT_EXEMPT_COLLEGES)('never puts EQUIPMENT on the sheet of a single-certificate postgraduate of %s', (collegeCode) => {
    expect(evaluateTemplate(student({ category: 'POSTGRADUATE_SINGLE', collegeCode }), templateOf('EQUIPMENT'))).toEqual({
      applies: false,
      waiver: null,
    });
  });
});

describe('ᵇ State Key Laboratory testing fees: dual-certificate postgraduates of five units only', () => {
  it.each(STATE_KEY_LAB_UNITS)('requires SKL_TEST_FEE of a dual-certificate postgraduate of %s', (collegeCode) => {
    const fee = itemOf(planSheet(student({ category: 'POSTGRADUATE_DUAL', collegeCode }), templates), 'SKL_TEST_FEE');
    expect(fee.initialStatus).toBe('LOCKED');
    expect(fee.waivedBecause).toBeNull();
  });

  it.each(
    STATE_KEY_LAB_UNITS.flatMap((collegeCode) => [
      { category: 'POSTGRADUATE_SINGLE' as const, collegeCode },
      { category: 'UNDERGRADUATE' as const, collegeCode },
    ]),
  )('leaves SKL_TEST_FEE off the sheet of a $category of $collegeCode', (facts) => {
    expect(planSheet(student(facts), templates).map((item) => item.code)).not.toContain('SKL_TEST_FEE');
  });

  it.each([...ORDINARY_COLLEGES, ...EQUIPMENT_EXEMPT_COLLEGES])(
    'leaves SKL_TEST_FEE off the sheet of a dual-certificate postgraduate of %s (not applicable, not waived)',
    (collegeCode) => {
      const facts = student({ category: 'POSTGRADUATE_DUAL', collegeCode });
      expect(evaluateTemplate(facts, templateOf('SKL_TEST_FEE'))).toEqual({ applies: false, waiver: null });
      expect(planSheet(facts, templates).map((item) => item.code)).not.toContain('SKL_TEST_FEE');
    },
  );
});

describe('ᶜ ASSET: approved by policy for undergraduates in 2020', () => {
  it('starts APPROVED by POLICY with the notice wording as reason', () => {
    const asset = itemOf(planSheet(student(), templates), 'ASSET');
    expect(asset.initialStatus).toBe('APPROVED');
    expect(asset.source).toBe('POLICY');
    expect(asset.reason?.zh).toContain('网上审核通过');
    expect(asset.waivedBecause).toBeNull();
  });

  it('still counts as a required item, already approved', () => {
    const progress = summarizeProgress(asSheet(planSheet(student(), templates)));
    expect(progress).toMatchObject({ required: 9, approved: 1, pending: 8, locked: 0, cleared: false });
  });

  it.each(POSTGRADUATE_CATEGORIES)('is not on the sheet of a %s', (category) => {
    expect(planSheet(student({ category }), templates).map((item) => item.code)).not.toContain('ASSET');
  });

  it('gives every other item the SYSTEM as source of its initial status', () => {
    const others = planSheet(student({ category: 'POSTGRADUATE_DUAL' }), templates);
    expect(others.every((item) => item.source === 'SYSTEM')).toBe(true);
  });
});

describe('ᵈ dormitory: waived after an earlier check-out', () => {
  it.each(CATEGORIES.flatMap((category) => CAMPUSES.map((campusCode) => ({ category, campusCode }))))(
    'waives DORM for a $category of $campusCode who lives off campus and checked out',
    (facts) => {
      const onCampus = student({ ...facts, dormitory: 'ON_CAMPUS' });
      const checkedOut = student({ ...facts, dormitory: 'OFF_CAMPUS_CHECKED_OUT' });
      const dorm = itemOf(planSheet(checkedOut, templates), 'DORM');
      expect(dorm.initialStatus).toBe('WAIVED');
      expect(dorm.waivedBecause?.code).toBe('ALREADY_CHECKED_OUT');
      expect(dorm.reason?.zh).toContain('无需再办理');
      expect(requiredCount(checkedOut)).toBe(requiredCount(onCampus) - 1);
    },
  );

  it.each(CATEGORIES)('requires DORM of a %s who moved out without checking out', (category) => {
    const dorm = itemOf(planSheet(student({ category, dormitory: 'OFF_CAMPUS_NOT_CHECKED_OUT' }), templates), 'DORM');
    expect(dorm.waivedBecause).toBeNull();
    expect(dorm.initialStatus).not.toBe('WAIVED');
  });

  it('tells a student who moved out without checking out where to go, by campus', () => {
    const dorm = templateOf('DORM');
    const nanwangshan = student({ dormitory: 'OFF_CAMPUS_NOT_CHECKED_OUT', campusCode: 'NANWANGSHAN' });
    const futureCity = student({ dormitory: 'OFF_CAMPUS_NOT_CHECKED_OUT', campusCode: 'FUTURE_CITY' });
    expect(requirementFor(nanwangshan, dorm).zh).toContain('学生住宿服务中心（西区学生公寓56栋后）');
    expect(requirementFor(futureCity, dorm).zh).toContain('未来城校区管理办公室（教学服务中心329）');
    expect(requirementFor(student(), dorm)).toEqual(dorm.requirement);
  });

  it('gives the dormitory contact of the student’s campus and the shared contact elsewhere', () => {
    const department = (code: string) => {
      const found = ruleSet.departments.find((candidate) => candidate.code === code);
      if (found === undefined) throw new Error(`no department ${code}`);
      return found;
    };
    expect(contactFor(department('DORM_OFFICE'), 'NANWANGSHAN')?.office.zh).toContain('学生住宿服务中心');
    expect(contactFor(department('DORM_OFFICE'), 'FUTURE_CITY')?.office.zh).toContain('教学服务中心329');
    expect(contactFor(department('LIBRARY'), 'FUTURE_CITY')?.campusCode).toBeNull();
  });
});

describe('the supervisor gate', () => {
  it.each(POSTGRADUATE_CATEGORIES)('locks every item of a %s except the survey and the supervisor review', (category) => {
    const sheet = planSheet(student({ category }), templates);
    expect(itemOf(sheet, 'SURVEY').initialStatus).toBe('PENDING');
    expect(itemOf(sheet, 'SUPERVISOR').initialStatus).toBe('PENDING');
    const gated = sheet.filter((item) => item.code !== 'SURVEY' && item.code !== 'SUPERVISOR');
    expect(gated.length).toBeGreaterThan(0);
    for (const item of gated) {
      expect(item.initialStatus, item.code).toBe('LOCKED');
      expect(item.prerequisites).toEqual(['SUPERVISOR']);
      expect(blockedBy(item, asSheet(sheet))).toEqual(['SUPERVISOR']);
    }
  });

  it('keeps items locked while the supervisor review is pending or rejected, and unlocks them on approval', () => {
    const planned = asSheet(planSheet(student({ category: 'POSTGRADUATE_DUAL', collegeCode: 'GEMMOLOGY' }), templates));

    const rejected = resolveLocks(withStatus(planned, 'SUPERVISOR', 'REJECTED'));
    expect(statusOf(rejected, 'LIBRARY')).toBe('LOCKED');
    expect(statusOf(rejected, 'SKL_TEST_FEE')).toBe('LOCKED');

    const approved = resolveLocks(withStatus(rejected, 'SUPERVISOR', 'APPROVED'));
    const gated = approved.filter((item) => item.code !== 'SURVEY' && item.code !== 'SUPERVISOR');
    expect(gated.every((item) => item.status === 'PENDING')).toBe(true);
    expect(gated.flatMap((item) => blockedBy(item, approved))).toEqual([]);
  });

  it('re-locks undecided items but keeps decisions when a sync rejects the supervisor review again', () => {
    const planned = asSheet(planSheet(student({ category: 'POSTGRADUATE_SINGLE' }), templates));
    const unlocked = resolveLocks(withStatus(planned, 'SUPERVISOR', 'APPROVED'));
    const libraryApproved = withStatus(unlocked, 'LIBRARY', 'APPROVED');
    const financeRejected = withStatus(libraryApproved, 'FINANCE', 'REJECTED');

    const relocked = resolveLocks(withStatus(financeRejected, 'SUPERVISOR', 'REJECTED'));
    expect(statusOf(relocked, 'LIBRARY')).toBe('APPROVED');
    expect(statusOf(relocked, 'FINANCE')).toBe('REJECTED');
    expect(statusOf(relocked, 'GRAD_SECRETARY')).toBe('LOCKED');
    expect(statusOf(relocked, 'DORM')).toBe('LOCKED');
  });

  it('treats a waived prerequisite as satisfied', () => {
    const planned = asSheet(planSheet(student({ category: 'POSTGRADUATE_SINGLE' }), templates));
    expect(statusOf(resolveLocks(withStatus(planned, 'SUPERVISOR', 'WAIVED')), 'LIBRARY')).toBe('PENDING');
  });

  it('returns the very same item objects when nothing changes', () => {
    const sheet = asSheet(planSheet(student({ category: 'POSTGRADUATE_DUAL' }), templates));
    const resolved = resolveLocks(sheet);
    resolved.forEach((item, index) => expect(item).toBe(sheet[index]));
  });

  it('waives a locked item when its waiver applies, whatever the gate', () => {
    const sheet = planSheet(student({ category: 'POSTGRADUATE_DUAL', dormitory: 'OFF_CAMPUS_CHECKED_OUT' }), templates);
    expect(itemOf(sheet, 'DORM').initialStatus).toBe('WAIVED');
  });

  it.each([...ORDINARY_COLLEGES, ...EQUIPMENT_EXEMPT_COLLEGES, ...STATE_KEY_LAB_UNITS])(
    'never locks an item of an undergraduate of %s: the supervisor review does not apply to them',
    (collegeCode) => {
      const sheet = planSheet(student({ collegeCode }), templates);
      expect(sheet.map((item) => item.code)).not.toContain('SUPERVISOR');
      expect(sheet.filter((item) => item.initialStatus === 'LOCKED')).toEqual([]);
      expect(sheet.every((item) => item.prerequisites.length === 0)).toBe(true);
    },
  );
});

describe('deferral to the next cohort', () => {
  it.each(CATEGORIES)('gives a deferred %s an empty sheet, which is not cleared', (category) => {
    const sheet = planSheet(student({ category, deferred: true }), templates);
    expect(sheet).toEqual([]);
    expect(summarizeProgress(asSheet(sheet)).cleared).toBe(false);
  });
});

describe('required counts (survey included, living on campus)', () => {
  const expectedCount = (category: StudentCategory, collegeCode: string): number => {
    if (category === 'UNDERGRADUATE') return EQUIPMENT_EXEMPT_COLLEGES.includes(collegeCode) ? 8 : 9;
    if (category === 'POSTGRADUATE_SINGLE') return 6;
    return STATE_KEY_LAB_UNITS.includes(collegeCode) ? 11 : 10;
  };
  const cases = CATEGORIES.flatMap((category) =>
    ruleSet.colleges.map(({ code: collegeCode }) => ({ category, collegeCode, expected: expectedCount(category, collegeCode) })),
  );

  it.each(cases)('a $category of $collegeCode has $expected required items', ({ category, collegeCode, expected }) => {
    expect(requiredCount(student({ category, collegeCode }))).toBe(expected);
  });

  it('covers every college of the rule set', () => {
    expect(new Set(cases.map((testCase) => testCase.collegeCode))).toEqual(
      new Set([...EQUIPMENT_EXEMPT_COLLEGES, ...STATE_KEY_LAB_UNITS, ...ORDINARY_COLLEGES]),
    );
  });
});

describe('a twelfth item for dual-certificate postgraduates, added as data', () => {
  const archivesTemplate = {
    code: 'ARCHIVES',
    sequence: 12,
    name: { zh: '档案馆', en: 'Archives' },
    requirement: { zh: '需要确认档案转递地址。', en: 'Confirm where your personal file is sent.' },
    departmentCode: 'GRADUATE_SCHOOL',
    scope: 'UNIVERSITY',
    applicability: { appliesTo: [{ categories: ['POSTGRADUATE_DUAL'] }], waivers: [] },
    prerequisites: ['SUPERVISOR'],
    autoApproval: null,
    active: true,
  };
  const defaultJson = JSON.parse(readFileSync(new URL('../seed/ruleset-2020.json', import.meta.url), 'utf8')) as {
    templates: unknown[];
  };
  const extended = parseRuleSet({ ...defaultJson, templates: [...defaultJson.templates, archivesTemplate] });

  it('makes 12 items for a dual-certificate postgraduate of a State Key Laboratory unit', () => {
    const facts = student({ category: 'POSTGRADUATE_DUAL', collegeCode: 'EARTH_SCIENCES' });
    expect(requiredCount(facts)).toBe(11);
    expect(requiredCount(facts, extended.templates)).toBe(12);
    expect(itemOf(planSheet(facts, extended.templates), 'ARCHIVES').initialStatus).toBe('LOCKED');
  });

  it('leaves the other categories as they were', () => {
    expect(requiredCount(student({ category: 'POSTGRADUATE_DUAL' }), extended.templates)).toBe(11);
    expect(requiredCount(student({ category: 'POSTGRADUATE_SINGLE' }), extended.templates)).toBe(6);
    expect(requiredCount(student(), extended.templates)).toBe(9);
  });
});

describe('summarizeProgress', () => {
  const sheetWith = (...statuses: ItemStatus[]) => statuses.map((status) => ({ status }));

  it('counts each status; waived items are not required', () => {
    expect(summarizeProgress(sheetWith('APPROVED', 'REJECTED', 'PENDING', 'LOCKED', 'LOCKED', 'WAIVED'))).toEqual({
      required: 5,
      approved: 1,
      rejected: 1,
      pending: 1,
      locked: 2,
      waived: 1,
      cleared: false,
    });
  });

  it('clears a sheet whose items are all approved or waived', () => {
    expect(summarizeProgress(sheetWith('APPROVED', 'WAIVED', 'APPROVED')).cleared).toBe(true);
  });

  it('does not clear a sheet with one rejected item', () => {
    expect(summarizeProgress(sheetWith('APPROVED', 'WAIVED', 'REJECTED')).cleared).toBe(false);
  });

  it('does not clear an empty sheet', () => {
    expect(summarizeProgress([])).toEqual({
      required: 0,
      approved: 0,
      rejected: 0,
      pending: 0,
      locked: 0,
      waived: 0,
      cleared: false,
    });
  });
});
