import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { ErrorCode, ErrorParams } from '../i18n/index.js';

/** How a provider sign-in ended: an account of ours, or a refusal to show the user. */
export type SignInOutcome = { credentialId: string } | { refusal: ErrorCode; params: ErrorParams };

/** Long enough for the portal page to load and exchange the code, short enough to be useless later. */
const HANDOFF_SECONDS = 60;

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/**
 * Stores the outcome behind a fresh one-time code for the browser's return address. The
 * code, not tokens, travels in the URL: tokens are issued only when the page trades it in
 * (`completeSsoSignIn`), so they never reach browser history, logs or Referer headers.
 */
export async function createHandoff(db: Database, outcome: SignInOutcome): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + HANDOFF_SECONDS * 1000);
  // Expired codes nobody picked up go with the next sign-in; the table stays as small as the traffic of a minute.
  await db.prisma.signInHandoff.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await db.prisma.signInHandoff.create({
    data:
      'credentialId' in outcome
        ? { codeHash: hashCode(code), credentialId: outcome.credentialId, expiresAt }
        : { codeHash: hashCode(code), refusalCode: outcome.refusal, refusalParams: outcome.params, expiresAt },
  });
  return code;
}

/** The outcome behind a code, once: the row is deleted by the same statement that reads it. */
export async function takeHandoff(db: Database, code: string): Promise<SignInOutcome | null> {
  // Prisma keeps DateTime as UTC in a column without time zone, hence now() in UTC.
  const rows = await db.prisma.$queryRaw<{ credentialId: string | null; refusalCode: string | null; refusalParams: ErrorParams | null }[]>`
    DELETE FROM "SignInHandoff" WHERE "codeHash" = ${hashCode(code)} AND "expiresAt" > (now() AT TIME ZONE 'UTC')
    RETURNING "credentialId"::text AS "credentialId", "refusalCode", "refusalParams"`;
  const row = rows[0];
  if (!row) return null;
  if (row.credentialId) return { credentialId: row.credentialId };
  return { refusal: row.refusalCode as ErrorCode, params: row.refusalParams ?? {} };
}
