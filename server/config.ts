/** Configuration from environment variables, validated once at start. */
import { randomBytes } from 'node:crypto';
import { parseProxyTrust, type ProxyTrust } from './auth/client-address.js';
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
  /**
   * PASSWORD_PEPPER: key of initial-password hashes, kept out of the database; every server process
   * must share it. null: outside production a key file next to the embedded database (server/auth/initial-password-key.ts).
   */
  passwordPepper: string | null;
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
  /** LOCAL_LOGIN: whether password login is allowed, per role. */
  localLogin: LocalLogin;
  /** OIDC_*: the university's OpenID Connect provider; null when not configured. */
  oidc: OidcConfig | null;
  /** CAS_*: the university's CAS server; null when not configured. */
  cas: CasConfig | null;
  /** SSO_RETURN_URL: the page a provider's sign-in ends on, with `#sso_code=…` (required with a provider). */
  ssoReturnUrl: string | null;
}

export interface LocalLogin {
  students: boolean;
  staff: boolean;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  usernameClaim: string;
  scope: string;
}

export interface CasConfig {
  baseUrl: string;
  serviceUrl: string;
  /** null: the CAS user (`cas:user`) is the account name; otherwise that attribute is. */
  usernameAttribute: string | null;
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
    passwordPepper: env.PASSWORD_PEPPER || null,
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
    localLogin: parseLocalLogin(env.LOCAL_LOGIN, problems),
    oidc: parseOidc(env, problems),
    cas: parseCas(env, problems),
    ssoReturnUrl: env.SSO_RETURN_URL || null,
  };
  if ((config.oidc || config.cas) && !config.ssoReturnUrl) {
    problems.push('SSO_RETURN_URL: required with OIDC_ISSUER or CAS_BASE_URL (the portal page that finishes sign-in) / 配置统一身份认证时必须设置');
  }
  if (config.ssoReturnUrl) providerUrl('SSO_RETURN_URL', config.ssoReturnUrl, problems);
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
  if (config.passwordPepper !== null && config.passwordPepper.length < 32) {
    problems.push('PASSWORD_PEPPER: at least 32 characters, e.g. `openssl rand -hex 32` / 至少32个字符，例如 openssl rand -hex 32 的输出');
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

const LOCAL_LOGIN_ROLES: readonly string[] = ['students', 'staff'];

/** `on` (default), `off`, or per role: `students:off`, `students:off,staff:on`. */
function parseLocalLogin(raw: string | undefined, problems: string[]): LocalLogin {
  const allowed: LocalLogin = { students: true, staff: true };
  if (raw === undefined || raw.trim() === '') return allowed;
  const whole = BOOLEAN_WORDS[raw.trim().toLowerCase()];
  if (whole !== undefined) return { students: whole, staff: whole };
  for (const part of raw.split(',')) {
    const [role = '', value = ''] = part.trim().toLowerCase().split(':');
    const on = BOOLEAN_WORDS[value];
    if (!LOCAL_LOGIN_ROLES.includes(role) || on === undefined) {
      problems.push(`LOCAL_LOGIN=${JSON.stringify(raw)}: expected on, off or e.g. students:off,staff:on / 应为 on、off 或 students:off,staff:on`);
      return allowed;
    }
    allowed[role as keyof LocalLogin] = on;
  }
  return allowed;
}

/** https, or http on this machine only (tests, a provider on localhost). */
function providerUrl(name: string, raw: string, problems: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name}=${JSON.stringify(raw)}: expected an absolute URL / 应为完整的网址`);
    return raw;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    problems.push(`${name}=${JSON.stringify(raw)}: expected https:// (http only on localhost) / 须使用 https`);
  }
  return raw;
}

function pathOf(raw: string): string {
  return URL.canParse(raw) ? new URL(raw).pathname : '';
}

function parseOidc(env: Record<string, string | undefined>, problems: string[]): OidcConfig | null {
  if (!env.OIDC_ISSUER) return null;
  const required = (name: string) => {
    const value = env[name];
    if (!value) problems.push(`${name}: required with OIDC_ISSUER / 配置 OIDC_ISSUER 时必须设置`);
    return value ?? '';
  };
  if (env.OIDC_REDIRECT_URI && !pathOf(env.OIDC_REDIRECT_URI).endsWith('/auth/oidc/callback')) {
    problems.push('OIDC_REDIRECT_URI: expected this server\'s /auth/oidc/callback, e.g. https://lixiao.example.edu.cn/auth/oidc/callback / 应指向本服务的 /auth/oidc/callback');
  }
  return {
    issuer: providerUrl('OIDC_ISSUER', env.OIDC_ISSUER, problems),
    clientId: required('OIDC_CLIENT_ID'),
    clientSecret: required('OIDC_CLIENT_SECRET'),
    redirectUri: env.OIDC_REDIRECT_URI ? providerUrl('OIDC_REDIRECT_URI', env.OIDC_REDIRECT_URI, problems) : required('OIDC_REDIRECT_URI'),
    usernameClaim: env.OIDC_USERNAME_CLAIM || 'preferred_username',
    scope: env.OIDC_SCOPE || 'openid profile',
  };
}

function parseCas(env: Record<string, string | undefined>, problems: string[]): CasConfig | null {
  if (!env.CAS_BASE_URL) return null;
  if (!env.CAS_SERVICE_URL) problems.push('CAS_SERVICE_URL: required with CAS_BASE_URL / 配置 CAS_BASE_URL 时必须设置');
  if (env.CAS_SERVICE_URL && !pathOf(env.CAS_SERVICE_URL).endsWith('/auth/cas/callback')) {
    problems.push('CAS_SERVICE_URL: expected this server\'s /auth/cas/callback, e.g. https://lixiao.example.edu.cn/auth/cas/callback / 应指向本服务的 /auth/cas/callback');
  }
  return {
    baseUrl: providerUrl('CAS_BASE_URL', env.CAS_BASE_URL, problems).replace(/\/+$/, ''),
    serviceUrl: env.CAS_SERVICE_URL ? providerUrl('CAS_SERVICE_URL', env.CAS_SERVICE_URL, problems) : '',
    usernameAttribute: env.CAS_USERNAME_ATTRIBUTE || null,
  };
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
