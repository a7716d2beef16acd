import { builder } from '../../builder.js';
import { applyRuleChange } from '../../services/rule-change.js';
import { RuleChangeInput, RuleChangeReportRef, ruleChangeFromInput } from './rules.type.js';

builder.mutationField('applyRuleChange', (t) =>
  t.field({
    type: RuleChangeReportRef,
    description:
      'Applies a rule change in one transaction and answers what previewRuleChange would have: undecided items (and items a rule waived) ' +
      'are recomputed with their history; decisions are never changed. `expectedRuleSetVersion` is the version the preview showed; ' +
      'a different current version answers CONFLICT. University admins only.',
    authScopes: { role: 'UNIVERSITY_ADMIN' },
    errors: {},
    args: {
      input: t.arg({ type: RuleChangeInput, required: true }),
      expectedRuleSetVersion: t.arg.int({ required: true }),
    },
    resolve: (_root, args, ctx) => {
      const actorId = ctx.viewer?.kind === 'staff' ? ctx.viewer.reviewerId : null;
      return applyRuleChange(ctx, ruleChangeFromInput(args.input), args.expectedRuleSetVersion, actorId);
    },
  }),
);
