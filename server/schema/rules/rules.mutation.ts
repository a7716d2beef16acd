import { builder } from '../../builder.js';
import { applyRuleChange } from '../../services/rule-change.js';
import { RuleChangeInput, RuleChangeReportRef, ruleChangeFromInput } from './rules.type.js';

builder.mutationField('applyRuleChange', (t) =>
  t.withAuth({ role: 'UNIVERSITY_ADMIN' }).field({
    type: RuleChangeReportRef,
    description:
      'Applies a rule change in one transaction and answers what previewRuleChange would have: undecided items (and items a rule waived) ' +
      'are recomputed with their history; decisions are never changed. `expectedRuleSetVersion` is the version the preview showed; ' +
      'a different current version answers CONFLICT. University admins only.',
    errors: {},
    args: {
      input: t.arg({ type: RuleChangeInput, required: true }),
      expectedRuleSetVersion: t.arg.int({ required: true }),
    },
    resolve: (_root, args, ctx) => applyRuleChange(ctx, ruleChangeFromInput(args.input), args.expectedRuleSetVersion, ctx.viewer.reviewerId),
  }),
);
