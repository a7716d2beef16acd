import { builder } from '../../builder.js';
import { previewRuleChange } from '../../services/rule-change.js';
import { RuleChangeInput, RuleChangeReportRef, ruleChangeFromInput } from './rules.type.js';

builder.queryField('previewRuleChange', (t) =>
  t.field({
    type: RuleChangeReportRef,
    description:
      'Which students of the cohort would gain, lose, re-lock or unlock items if the change were applied, and which decided items it keeps; ' +
      'writes nothing. University admins only.',
    authScopes: { role: 'UNIVERSITY_ADMIN' },
    errors: {},
    args: { input: t.arg({ type: RuleChangeInput, required: true }) },
    resolve: (_root, args, ctx) => previewRuleChange(ctx, ruleChangeFromInput(args.input)),
  }),
);
