/** Configuration from environment variables, validated once at start. */
import { randomBytes } from 'node:crypto';
import { parseProxyTrust, type ProxyTrust } from './auth/client-address.js';

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
  /** Which proxies in front of the server may name the client in X-Forwarded-For. */
  trustProxy: ProxyTrust;
  /** redis://… to fan events out across server processes; null keeps them in process. */
  redisUrl: string | null;
  /** Browser origins allowed by CORS; empty sends no CORS headers (same origin only). */
  corsOrigins: string[];
  /** Largest JSON request body, and largest multipart upload (imports). */
  maxBodyBytes: number;
  maxUploadBytes: number;
  /** Undelivered events one live subscriber may have before it is told RESYNC_REQUIRED. */
  liveBufferEvents: number;
  /** Operations one graphql-ws socket may have running at once. */
  maxSocketOperations: number;
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

/** Whether a HOST binds only this machine's loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host) || /^::ffff:127(\.\d{1,3}){3}$/i.test(host);
}

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
    // The demo data includes staff with a published password: only an explicit DEMO_DATA=on loads it where other machines can connect.
    demoData: env.DEMO_DATA ? flag('DEMO_DATA', false) : !production && isLoopback(env.HOST || '127.0.0.1'),
    logLevel,
    shutdownGraceSeconds: integer('SHUTDOWN_GRACE_SECONDS', 10, 0, 600),
    jwtSecret: env.JWT_SECRET ?? '',
    accessTokenSeconds: integer('ACCESS_TOKEN_SECONDS', 900, 1, 86_400),
    refreshTokenSeconds: integer('REFRESH_TOKEN_SECONDS', 7 * 86_400, 60, 90 * 86_400),
    trustProxy: { kind: 'none' },
    redisUrl: env.REDIS_URL ? env.REDIS_URL : null,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    maxBodyBytes: integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxUploadBytes: integer('MAX_UPLOAD_BYTES', 20 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    liveBufferEvents: integer('LIVE_BUFFER_EVENTS', 10_000, 10, 1_000_000),
    maxSocketOperations: integer('MAX_SOCKET_SUBSCRIPTIONS', 100, 1, 10_000),
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
    // Outside production a per-process key is fine: tokens simply end with the process.
    else config.jwtSecret = randomBytes(32).toString('hex');
  } else if (config.jwtSecret.length < 32) {
    problems.push('JWT_SECRET: at least 32 characters / 至少32个字符');
  }
  const proxyTrust = parseProxyTrust(env.TRUST_PROXY);
  if ('problem' in proxyTrust) {
    problems.push(`TRUST_PROXY=${JSON.stringify(env.TRUST_PROXY)}: ${proxyTrust.problem}; expected off, on, a hop count or proxy addresses / 应为 off、on、代理层数或代理地址列表`);
  } else config.trustProxy = proxyTrust;
  if (config.redisUrl !== null && !/^rediss?:\/\/.+/.test(config.redisUrl)) {
    problems.push('REDIS_URL: expected redis://host:port / 应为 redis:// 开头的地址');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
