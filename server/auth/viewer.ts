import { createHash } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { ErrorCode } from '../i18n/index.js';
import type { StaffRole } from '../generated/prisma/client.js';
import type { SessionAccount, SessionCache } from './session-cache.js';
import type { TokenSigner } from './tokens.js';

export interface StudentViewer {
  kind: 'student';
  credentialId: string;
  studentId: string;
  mustChangePassword: boolean;
  tokenExpiresAt: Date;
}

export interface StaffViewer {
  kind: 'staff';
  /** null for an integration account, which authenticates by API token. */
  credentialId: string | null;
  reviewerId: string;
  roles: StaffRole[];
  departmentId: string | null;
  collegeId: string | null;
  campusId: string | null;
  mustChangePassword: boolean;
  tokenExpiresAt: Date | null;
}

export type Viewer = StudentViewer | StaffViewer;

export interface Authentication {
  viewer: Viewer | null;
  /** Why a presented token was not accepted; null when none was presented or it was fine. */
  failure: Extract<ErrorCode, 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'TOKEN_REVOKED'> | null;
}

/** Prefix of integration API tokens, so they are never mistaken for JWTs. */
export const API_TOKEN_PREFIX = 'lxi_';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Reads `Bearer <token>` (HTTP header or graphql-ws connectionParams). */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match ? match[1]! : null;
}

/** What authenticate() needs of the process's services. */
export interface Authenticator {
  db: Database;
  tokens: TokenSigner;
  sessions: SessionCache;
}

export async function authenticate({ db, tokens, sessions }: Authenticator, token: string | null): Promise<Authentication> {
  if (!token) return { viewer: null, failure: null };
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const account = await db.prisma.reviewer.findUnique({ where: { apiTokenHash: hashApiToken(token) } });
    if (!account?.active || !account.roles.includes('INTEGRATION')) return { viewer: null, failure: 'TOKEN_INVALID' };
    return { viewer: staffViewer(account, null, false, null), failure: null };
  }
  const claims = await tokens.verify(token, 'access');
  if (typeof claims === 'string') return { viewer: null, failure: claims };
  // One statement through the raw driver, and only for a session this process has not read in the last seconds.
  const account = await sessions.read(claims.familyId, async () => (await db.sql.query<SessionAccount>(SESSION_ACCOUNT_SQL, [claims.familyId]))[0]);
  if (!account || account.revoked || account.credentialId !== claims.credentialId || account.tokenVersion !== claims.version) {
    return { viewer: null, failure: 'TOKEN_REVOKED' };
  }
  if (account.studentId) {
    return {
      viewer: {
        kind: 'student',
        credentialId: account.credentialId,
        studentId: account.studentId,
        mustChangePassword: account.mustChangePassword,
        tokenExpiresAt: claims.expiresAt,
      },
      failure: null,
    };
  }
  if (account.reviewerId && account.active) {
    const reviewer = {
      id: account.reviewerId,
      roles: account.roles ?? [],
      departmentId: account.departmentId,
      collegeId: account.collegeId,
      campusId: account.campusId,
    };
    return { viewer: staffViewer(reviewer, account.credentialId, account.mustChangePassword, claims.expiresAt), failure: null };
  }
  return { viewer: null, failure: 'TOKEN_REVOKED' };
}

/** The token's session family (revoked when one of its refresh tokens was reused) with its account. */
const SESSION_ACCOUNT_SQL = `
  SELECT f."credentialId", f."revokedAt" IS NOT NULL AS revoked, c."tokenVersion", c."mustChangePassword", c."studentId",
         r.id AS "reviewerId", r.roles::text[] AS roles, r."departmentId", r."collegeId", r."campusId", r.active
  FROM "SessionFamily" f
  JOIN "Credential" c ON c.id = f."credentialId"
  LEFT JOIN "Reviewer" r ON r.id = c."reviewerId"
  WHERE f.id = $1::uuid`;

function staffViewer(
  account: { id: string; roles: StaffRole[]; departmentId: string | null; collegeId: string | null; campusId: string | null },
  credentialId: string | null,
  mustChangePassword: boolean,
  tokenExpiresAt: Date | null,
): StaffViewer {
  return {
    kind: 'staff',
    credentialId,
    reviewerId: account.id,
    roles: account.roles,
    departmentId: account.departmentId,
    collegeId: account.collegeId,
    campusId: account.campusId,
    mustChangePassword,
    tokenExpiresAt,
  };
}
