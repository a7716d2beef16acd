import type { PrismaClient } from '../generated/prisma/client.js';
import type { TokenClaims, TokenSubject } from './tokens.js';

/**
 * Session families: a login starts one; every refresh rotates its refresh token
 * (the family's generation moves on, only the newest token works). A refresh
 * token that was already used coming back means two parties hold it, so the
 * family is revoked, its access tokens included, and the other sessions of the
 * account carry on.
 */

interface Account {
  id: string;
  tokenVersion: number;
}

export async function startSession(prisma: PrismaClient, credential: Account, refreshSeconds: number): Promise<TokenSubject> {
  const now = new Date();
  // Families whose last refresh token has expired can no longer be used or reused.
  await prisma.sessionFamily.deleteMany({ where: { credentialId: credential.id, expiresAt: { lt: now } } });
  const family = await prisma.sessionFamily.create({
    data: { credentialId: credential.id, expiresAt: new Date(now.getTime() + refreshSeconds * 1000) },
  });
  return { credentialId: credential.id, version: credential.tokenVersion, familyId: family.id, generation: family.generation };
}

export type Rotation = { subject: TokenSubject; credential: { mustChangePassword: boolean } } | { refused: 'TOKEN_REVOKED' | 'REFRESH_TOKEN_REUSED' };

export async function rotateRefreshToken(prisma: PrismaClient, claims: TokenClaims, refreshSeconds: number): Promise<Rotation> {
  const family = await prisma.sessionFamily.findUnique({
    where: { id: claims.familyId },
    include: { credential: { select: { tokenVersion: true, mustChangePassword: true } } },
  });
  if (!family || family.credentialId !== claims.credentialId || family.credential.tokenVersion !== claims.version) {
    return { refused: 'TOKEN_REVOKED' };
  }
  if (family.generation > claims.generation) return revokeFamily(prisma, family.id);
  if (family.revokedAt) return { refused: 'TOKEN_REVOKED' };
  const generation = claims.generation + 1;
  const rotated = await prisma.sessionFamily.updateMany({
    where: { id: family.id, generation: claims.generation, revokedAt: null },
    data: { generation, expiresAt: new Date(Date.now() + refreshSeconds * 1000) },
  });
  // Someone else presented the same token a moment earlier: it was used twice all the same.
  if (rotated.count === 0) return revokeFamily(prisma, family.id);
  return { subject: { credentialId: family.credentialId, version: claims.version, familyId: family.id, generation }, credential: family.credential };
}

async function revokeFamily(prisma: PrismaClient, familyId: string): Promise<Rotation> {
  await prisma.sessionFamily.updateMany({ where: { id: familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  return { refused: 'REFRESH_TOKEN_REUSED' };
}
