import { LixiaoError } from '../../errors.js';
import { CohortStatsUpdatedDocument, type CohortStatsFieldsFragment } from '../../generated/graphql.js';
import { EXIT } from '../errors.js';
import { drawStats } from '../output.js';
import { positiveInt, type Registration } from './types.js';

export function registerWatch({ program, help, t, run }: Registration) {
  program
    .command('watch')
    .description(help.watch)
    .command('stats')
    .description(help.watchStats)
    .requiredOption('--cohort <year>', help.listCohort, positiveInt(t, '--cohort'))
    .option('--college <code>', help.college)
    .option('--count <n>', help.count, positiveInt(t, '--count'))
    .action((options: { cohort: number; college?: string; count?: number }, self) =>
      run(self, async (context) => {
        const { io, json } = context;
        const count = options.count ?? Infinity;
        context.requireToken();
        const variables = { year: options.cohort, ...(options.college ? { collegeCode: options.college } : {}) };
        const clear = !json && io.stdoutStream.isTTY;
        let drawn = 0;
        let lastDrawn = '';
        /** Draws only numbers that changed: the subscription starts with the numbers now, and a coalesced tick may change nothing in view. */
        const draw = (stats: CohortStatsFieldsFragment) => {
          const key = JSON.stringify(stats);
          if (key === lastDrawn) return;
          lastDrawn = key;
          if (json) io.stdout(JSON.stringify({ at: new Date().toISOString(), ...stats }));
          else io.stdout((clear ? '\x1b[2J\x1b[H' : drawn > 0 ? '\n' : '') + drawStats(stats, t));
          drawn++;
        };
        // An HTTP read first: an unreachable server, a bad token or an unknown cohort fail at once with
        // the server's answer, where the socket would keep retrying; and the table is there immediately.
        draw(await context.client.cohortStats(variables).catch((error: unknown) => context.explainNotFound(error, options.cohort, options.college)));
        if (drawn >= count) return EXIT.OK;
        const stop = new AbortController();
        const interrupt = () => stop.abort();
        process.once('SIGINT', interrupt);
        try {
          for await (const { cohortStatsUpdated } of context.client.subscribe(CohortStatsUpdatedDocument, variables, { signal: stop.signal })) {
            draw(cohortStatsUpdated);
            if (drawn >= count) break;
          }
        } catch (error) {
          // The server ended the socket for its credentials (revoked, expired past refreshing): say what to do.
          if (error instanceof LixiaoError && error.code === 'UNAUTHENTICATED')
            throw new LixiaoError(error.code, `${error.message}\n${t.logInAgain}`, { response: error.response });
          throw error;
        } finally {
          process.off('SIGINT', interrupt);
        }
        return EXIT.OK;
      }),
    );
}
