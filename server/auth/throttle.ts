import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * Failed-login limits, counted in the database so that every server process
 * agrees: per account name (known or not, so lockouts reveal nothing) and per
 * client address.
 */
export const LOGIN_LIMITS = {
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  perAccount: 5,
  perAddress: 30,
} as const;

export function throttleKeys(username: string, clientAddress: string) {
  return { account: `user:${username.trim().toLowerCase()}`, address: `ip:${clientAddress}` };
}

/** Seconds until the later of the two locks ends, or 0 when neither is locked. */
export async function lockedFor(prisma: PrismaClient, keys: string[]): Promise<number> {
  const rows = await prisma.$queryRaw<{ seconds: number | null }[]>`
    SELECT ceil(extract(epoch FROM max("lockedUntil") - now()))::int AS seconds
    FROM "LoginThrottle" WHERE key = ANY(${keys}) AND "lockedUntil" > now()`;
  return Math.max(0, rows[0]?.seconds ?? 0);
}

export async function recordFailure(prisma: PrismaClient, key: string, limit: number): Promise<void> {
  const { windowSeconds, lockSeconds } = LOGIN_LIMITS;
  await prisma.$executeRaw`
    INSERT INTO "LoginThrottle" (key, failures, "windowStartsAt", "lockedUntil")
    VALUES (${key}, 1, now(), CASE WHEN 1 >= ${limit} THEN now() + make_interval(secs => ${lockSeconds}) END)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN "LoginThrottle"."windowStartsAt" < now() - make_interval(secs => ${windowSeconds})
                      THEN 1 ELSE "LoginThrottle".failures + 1 END,
      "windowStartsAt" = CASE WHEN "LoginThrottle"."windowStartsAt" < now() - make_interval(secs => ${windowSeconds})
                      THEN now() ELSE "LoginThrottle"."windowStartsAt" END,
      "lockedUntil" = CASE
        WHEN "LoginThrottle"."windowStartsAt" >= now() - make_interval(secs => ${windowSeconds})
             AND "LoginThrottle".failures + 1 >= ${limit}
        THEN now() + make_interval(secs => ${lockSeconds})
        ELSE "LoginThrottle"."lockedUntil" END`;
}

export async function clearFailures(prisma: PrismaClient, key: string): Promise<void> {
  await prisma.loginThrottle.deleteMany({ where: { key } });
}
