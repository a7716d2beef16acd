import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { keyedHashPrefix, useInitialPasswordKey } from './password.js';

/** Outside production without PASSWORD_PEPPER: this file, next to the embedded database and never inside it (a dump must not carry the key). */
export function localKeyFile(dataDir: string): string {
  return join(dirname(dataDir), 'password-pepper.key');
}

/** Reads the key file, creating it once (exclusively, so processes starting together end up with the same key). */
function readOrCreateKeyFile(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}

/**
 * Sets the process's initial-password key at start-up. PASSWORD_PEPPER wins; outside production a key
 * file stands in (a random key for an in-memory database, which ends with the process anyway). In
 * production without PASSWORD_PEPPER the server refuses to start while any account is still on its
 * initial password, and runs without a key otherwise (importing initial passwords then fails).
 */
export async function setUpInitialPasswordKey(
  config: Pick<Config, 'passwordPepper' | 'production' | 'dataDir' | 'databaseUrl'>,
  db: Database,
  log: Logger,
): Promise<void> {
  const inMemory = !config.databaseUrl && config.dataDir === 'memory://';
  const secret =
    config.passwordPepper ?? (config.production ? null : inMemory ? randomBytes(32).toString('hex') : readOrCreateKeyFile(localKeyFile(config.dataDir)));
  const key = useInitialPasswordKey(secret);
  if (!config.passwordPepper && secret)
    log.info('initial-password key from a local key file (set PASSWORD_PEPPER to share one)', { file: inMemory ? null : localKeyFile(config.dataDir) });
  if (!key) {
    if (await db.prisma.credential.findFirst({ where: { mustChangePassword: true }, select: { id: true } })) {
      throw new ConfigError([
        'PASSWORD_PEPPER: required in production while accounts are on their initial password, the same on every server process, at least 32 characters (e.g. `openssl rand -hex 32`) / 生产环境中仍有账号使用初始密码时必须设置 PASSWORD_PEPPER（各服务进程相同，至少32个字符）',
      ]);
    }
    log.warn('PASSWORD_PEPPER is not set: importing students or staff with initial passwords will fail until it is');
    return;
  }
  const foreign = await db.prisma.credential.count({
    where: { mustChangePassword: true, passwordHash: { startsWith: keyedHashPrefix() }, NOT: { passwordHash: { startsWith: keyedHashPrefix(key) } } },
  });
  if (foreign > 0) {
    log.warn('initial passwords hashed with another PASSWORD_PEPPER cannot be used to log in (was the key changed?)', { accounts: foreign });
  }
}
