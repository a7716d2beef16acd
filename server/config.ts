/** Configuration from environment variables, validated once at start. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProxyTrust } from './auth/client-address.js';
import { describeProblem, environment, type LogLevel } from './environment.js';

export type { LogLevel } from './environment.js';

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

/** Whether a HOST binds only this machine's loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host) || /^::ffff:127(\.\d{1,3}){3}$/i.test(host);
}

/** Every bad variable is reported at once (one line each, see server/environment.ts), before anything starts. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => describeProblem(issue, env)));
  const vars = parsed.data;
  const production = vars.NODE_ENV === 'production';
  return {
    port: vars.PORT,
    host: vars.HOST,
    production,
    databaseUrl: vars.DATABASE_URL || null,
    dataDir: vars.DATA_DIR,
    // The demo data includes staff with a published password: only an explicit DEMO_DATA=on loads it where other machines can connect.
    demoData: vars.DEMO_DATA ?? (!production && isLoopback(vars.HOST)),
    logLevel: vars.LOG_LEVEL,
    shutdownGraceSeconds: vars.SHUTDOWN_GRACE_SECONDS,
    // Outside production without one: a random key, which main keeps under DATA_DIR (keepDevelopmentSecret).
    jwtSecret: vars.JWT_SECRET || randomBytes(32).toString('hex'),
    passwordPepper: vars.PASSWORD_PEPPER || null,
    accessTokenSeconds: vars.ACCESS_TOKEN_SECONDS,
    refreshTokenSeconds: vars.REFRESH_TOKEN_SECONDS,
    trustProxy: vars.TRUST_PROXY,
    redisUrl: vars.REDIS_URL || null,
    corsOrigins: vars.CORS_ORIGINS,
    maxBodyBytes: vars.MAX_BODY_BYTES,
    maxUploadBytes: vars.MAX_UPLOAD_BYTES,
    liveBufferEvents: vars.LIVE_BUFFER_EVENTS,
    maxSocketOperations: vars.MAX_SOCKET_SUBSCRIPTIONS,
    trustedDocuments: vars.TRUSTED_DOCUMENTS,
    persistedDocumentsPath: vars.PERSISTED_DOCUMENTS_PATH,
    localLogin: vars.LOCAL_LOGIN,
    oidc: vars.OIDC_ISSUER
      ? {
          issuer: vars.OIDC_ISSUER,
          clientId: vars.OIDC_CLIENT_ID,
          clientSecret: vars.OIDC_CLIENT_SECRET,
          redirectUri: vars.OIDC_REDIRECT_URI,
          usernameClaim: vars.OIDC_USERNAME_CLAIM,
          scope: vars.OIDC_SCOPE,
        }
      : null,
    cas: vars.CAS_BASE_URL
      ? { baseUrl: vars.CAS_BASE_URL.replace(/\/+$/, ''), serviceUrl: vars.CAS_SERVICE_URL, usernameAttribute: vars.CAS_USERNAME_ATTRIBUTE || null }
      : null,
    ssoReturnUrl: vars.SSO_RETURN_URL || null,
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
  if (!secret || secret.length < 32)
    throw new ConfigError([
      `${file}: the kept development JWT secret is shorter than 32 characters; delete the file or set JWT_SECRET / 开发密钥文件无效，请删除该文件或设置 JWT_SECRET`,
    ]);
  return { ...config, jwtSecret: secret };
}
