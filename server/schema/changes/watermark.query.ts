import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';

builder.queryField('liveWatermark', (t) =>
  t.string({
    description:
      'The seq of the latest committed change (any scope): read it before the state you show (the sheet, the queue), then ' +
      'subscribe with since: watermark — the subscription replays what changed after it, then goes on live, so nothing is missed ' +
      'between the read and the subscription (or subscribe, then ask changesSince(cursor: watermark) and drop live events whose seq you have). One indexed row read.',
    resolve: async (_root, _args, ctx) => {
      if (!ctx.viewer) throw new AppError('UNAUTHENTICATED');
      // The counter row is locked by writers until they commit, so a plain read sees committed numbers only.
      const [row] = await ctx.db.prisma.$queryRaw<{ value: bigint }[]>`SELECT "value" FROM "EventCounter" WHERE "id" = 1`;
      return (row?.value ?? 0n).toString();
    },
  }),
);
