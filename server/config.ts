/** Configuration from environment variables, validated once at start. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  port: number;
  host: string;
  production: boolean;
  /** postgres://… for PostgreSQL; null selects the embedded PGlite database. */
  databaseUrl: string | null;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir: string;
  demoData: boolean;
  logLevel: LogLevel;
  /** Seconds allowed for in-flight requests after SIGTERM. */
  shutdownGraceSeconds: number;
  /** HS256 key for access and refresh tokens; every server process must share it. */
  jwtSecret: string;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  /** redis://… to fan events out across server processes; null keeps them in process. */
  redisUrl: string | null;
  /** Browser origins allowed by CORS; empty sends no CORS headers (same origin only). */
  corsOrigins: string[];
  /** Largest JSON request body, and largest multipart upload (imports). */
  maxBodyBytes: number;
  maxUploadBytes: number;
  /** TRUSTED_DOCUMENTS=on: only the SDK's persisted operations run (server/persisted-documents.ts). */
  trustedDocuments: boolean;
  /** The persisted-documents manifest codegen writes. */
  persistedDocumentsPath: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration / 配置无效:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const BOOLEAN_WORDS: Record<string, boolean> = { '1': true, true: true, on: true, yes: true, '0': false, false: false, off: false, no: false };

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max} / 应为 ${min} 到 ${max} 之间的整数`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = BOOLEAN_WORDS[raw.toLowerCase()];
    if (value === undefined) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected on/off, true/false, yes/no or 1/0 / 应为 on 或 off`);
      return fallback;
    }
    return value;
  };

  const databaseUrl = env.DATABASE_URL ? env.DATABASE_URL : null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    problems.push('DATABASE_URL: expected postgres://user@host:port/database / 应为 postgres:// 开头的连接串');
  }

  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const config: Config = {
    port: integer('PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    production,
    databaseUrl,
    dataDir: env.DATA_DIR || './data/pglite',
    demoData: flag('DEMO_DATA', !production),
    logLevel,
    shutdownGraceSeconds: integer('SHUTDOWN_GRACE_SECONDS', 10, 0, 600),
    jwtSecret: env.JWT_SECRET ?? '',
    accessTokenSeconds: integer('ACCESS_TOKEN_SECONDS', 900, 1, 86_400),
    refreshTokenSeconds: integer('REFRESH_TOKEN_SECONDS', 7 * 86_400, 60, 90 * 86_400),
    trustProxy: flag('TRUST_PROXY', false),
    redisUrl: env.REDIS_URL ? env.REDIS_URL : null,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    maxBodyBytes: integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxUploadBytes: integer('MAX_UPLOAD_BYTES', 20 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    trustedDocuments: flag('TRUSTED_DOCUMENTS', false),
    persistedDocumentsPath: env.PERSISTED_DOCUMENTS_PATH || 'sdk/src/generated/persisted-documents.json',
  };
  for (const origin of config.corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      problems.push(`CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://portal.example.edu.cn / 不是合法的来源`);
    }
  }
  if (!config.jwtSecret) {
    if (production) problems.push('JWT_SECRET: required in production, at least 32 characters / 生产环境必须设置 JWT_SECRET（至少32个字符）');
    // Outside production: a random key, which main keeps under DATA_DIR (keepDevelopmentSecret).
    else config.jwtSecret = randomBytes(32).toString('hex');
  } else if (config.jwtSecret.length < 32) {
    problems.push('JWT_SECRET: at least 32 characters / 至少32个字符');
  }
  if (config.redisUrl !== null && !/^rediss?:\/\/.+/.test(config.redisUrl)) {
    problems.push('REDIS_URL: expected redis://host:port / 应为 redis:// 开头的地址');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Where a development server keeps the key it generated: inside DATA_DIR, which already holds its data. */
export const DEVELOPMENT_SECRET_FILE = 'jwt-secret';

/**
 * Outside production without JWT_SECRET, the key generated on the first start is kept in
 * DATA_DIR/jwt-secret (mode 600) and read back by every later start, so a restart keeps sessions
 * (a CLI's stored login, a portal's tokens). An in-memory database keeps the per-process key.
 */
export function keepDevelopmentSecret(config: Config, env: Record<string, string | undefined> = process.env): Config {
  if (config.production || env.JWT_SECRET || config.dataDir === 'memory://') return config;
  const file = join(config.dataDir, DEVELOPMENT_SECRET_FILE);
  const kept = () => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };
  let secret = kept();
  if (secret === null) {
    mkdirSync(config.dataDir, { recursive: true });
    try {
      writeFileSync(file, `${config.jwtSecret}\n`, { mode: 0o600, flag: 'wx' });
      secret = config.jwtSecret;
    } catch (error) {
      // Another process started at the same moment and wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      secret = kept();
    }
  }
  if (!secret || secret.length < 32) throw new ConfigError([`${file}: the kept development JWT secret is shorter than 32 characters; delete the file or set JWT_SECRET / 开发密钥文件无效，请删除该文件或设置 JWT_SECRET`]);
  return { ...config, jwtSecret: secret };
}
