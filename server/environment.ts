/**
 * The environment variables as one zod schema. A bad value is reported and parsing goes on with its
 * default, so a start-up names every bad variable at once (server/config.ts turns issues into lines).
 */
import { z } from 'zod';
import { parseProxyTrust, type ProxyTrust } from './auth/client-address.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SWITCH_WORDS = new Map([
  ...['1', 'true', 'on', 'yes'].map((word) => [word, true] as const),
  ...['0', 'false', 'off', 'no'].map((word) => [word, false] as const),
]);
const LOCAL_LOGIN_ROLES = ['students', 'staff'] as const;

type IssueSink = Pick<z.RefinementCtx, 'addIssue'>;

interface Refusal {
  /** Secrets and connection strings (which carry passwords) are named, never printed. */
  showValue?: boolean;
  /** For a rule across variables: the one the message names. */
  variable?: string;
}

function refuse(ctx: IssueSink, message: string, { showValue = true, variable }: Refusal = {}): void {
  ctx.addIssue({ code: 'custom', message, params: { showValue }, continue: true, ...(variable ? { path: [variable] } : {}) });
}

/** One line of the start-up report: `NAME="value": problem`, or `NAME: problem` where the value stays hidden. */
export function describeProblem(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path.at(-1));
  const showValue = issue.code === 'custom' && issue.params?.showValue === true;
  return `${name}${showValue ? `=${JSON.stringify(env[name])}` : ''}: ${issue.message}`;
}

/** Unset reads as empty, as in a shell script. */
const text = z.string().default('');
const textOr = (fallback: string) => text.transform((raw) => raw || fallback);

function wholeNumber(fallback: number, min: number, max: number) {
  return text.transform((raw, ctx) => {
    if (raw === '') return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    refuse(ctx, `expected a whole number from ${min} to ${max} / 应为 ${min} 到 ${max} 之间的整数`);
    return fallback;
  });
}

/** undefined when unset, so a default may depend on other variables. */
const onOff = text.transform((raw, ctx) => {
  if (raw === '') return undefined;
  const value = SWITCH_WORDS.get(raw.toLowerCase());
  if (value === undefined) refuse(ctx, 'expected on/off, true/false, yes/no or 1/0 / 应为 on 或 off');
  return value;
});
const switchOr = (fallback: boolean) => onOff.transform((value) => value ?? fallback);

const secret = (message: string) =>
  text.superRefine((raw, ctx) => {
    if (raw && raw.length < 32) refuse(ctx, message, { showValue: false });
  });

const connectionUrl = (scheme: RegExp, message: string) =>
  text.superRefine((raw, ctx) => {
    if (raw && !scheme.test(raw)) refuse(ctx, message, { showValue: false });
  });

/** https, or http on this machine only (tests, a provider on localhost). */
function checkProviderUrl(raw: string, ctx: IssueSink): void {
  if (!URL.canParse(raw)) {
    refuse(ctx, 'expected an absolute URL / 应为完整的网址');
    return;
  }
  const url = new URL(raw);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) refuse(ctx, 'expected https:// (http only on localhost) / 须使用 https');
}

const providerUrl = text.superRefine((raw, ctx) => {
  if (raw) checkProviderUrl(raw, ctx);
});

const requiredWith = (switchVariable: string) =>
  text.superRefine((raw, ctx) => {
    if (!raw) refuse(ctx, `required with ${switchVariable} / 配置 ${switchVariable} 时必须设置`, { showValue: false });
  });

/** This server's own callback route, which the provider redirects the browser to. */
const callbackUrl = (switchVariable: string, path: string) =>
  requiredWith(switchVariable).superRefine((raw, ctx) => {
    if (!raw) return;
    const pathname = URL.canParse(raw) ? new URL(raw).pathname : '';
    if (!pathname.endsWith(path))
      refuse(ctx, `expected this server's ${path}, e.g. https://lixiao.example.edu.cn${path} / 应指向本服务的 ${path}`, { showValue: false });
    checkProviderUrl(raw, ctx);
  });

const logLevel = z
  .string()
  .optional()
  .transform((raw = 'info', ctx): LogLevel => {
    const level = LOG_LEVELS.find((known) => known === raw);
    if (level) return level;
    refuse(ctx, `expected one of ${LOG_LEVELS.join(', ')}`);
    return 'info';
  });

const trustProxy = z
  .string()
  .optional()
  .transform((raw, ctx): ProxyTrust => {
    const trust = parseProxyTrust(raw);
    if (!('problem' in trust)) return trust;
    refuse(ctx, `${trust.problem}; expected off, on, a hop count or proxy addresses / 应为 off、on、代理层数或代理地址列表`);
    return { kind: 'none' };
  });

const corsOrigins = text.transform((raw, ctx) => {
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      refuse(ctx, `${JSON.stringify(origin)} is not an origin like https://portal.example.edu.cn / 不是合法的来源`, { showValue: false });
    }
  }
  return origins;
});

/** `on` (default), `off`, or per role: `students:off`, `students:off,staff:on`. */
const localLogin = text.transform((raw, ctx) => {
  const allowed = { students: true, staff: true };
  if (raw.trim() === '') return allowed;
  const whole = SWITCH_WORDS.get(raw.trim().toLowerCase());
  if (whole !== undefined) return { students: whole, staff: whole };
  for (const part of raw.split(',')) {
    const [role = '', value = ''] = part.trim().toLowerCase().split(':');
    const on = SWITCH_WORDS.get(value);
    const known = LOCAL_LOGIN_ROLES.find((name) => name === role);
    if (!known || on === undefined) {
      refuse(ctx, 'expected on, off or e.g. students:off,staff:on / 应为 on、off 或 students:off,staff:on');
      return { students: true, staff: true };
    }
    allowed[known] = on;
  }
  return allowed;
});

/** A provider's variables are checked only when its switch variable (the first) is set. */
const oidcVariables = z.object({
  OIDC_ISSUER: providerUrl,
  OIDC_CLIENT_ID: requiredWith('OIDC_ISSUER'),
  OIDC_CLIENT_SECRET: requiredWith('OIDC_ISSUER'),
  OIDC_REDIRECT_URI: callbackUrl('OIDC_ISSUER', '/auth/oidc/callback'),
});
const casVariables = z.object({
  CAS_BASE_URL: providerUrl,
  CAS_SERVICE_URL: callbackUrl('CAS_BASE_URL', '/auth/cas/callback'),
});

function checkSection(section: z.ZodType, vars: unknown, ctx: IssueSink): void {
  const parsed = section.safeParse(vars);
  for (const issue of parsed.error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, params: issue.code === 'custom' ? issue.params : {}, continue: true });
  }
}

export const environment = z
  .object({
    NODE_ENV: text,
    PORT: wholeNumber(4000, 0, 65_535),
    HOST: textOr('127.0.0.1'),
    DATABASE_URL: connectionUrl(/^postgres(ql)?:\/\/.+/, 'expected postgres://user@host:port/database / 应为 postgres:// 开头的连接串'),
    DATA_DIR: textOr('./data/pglite'),
    DEMO_DATA: onOff,
    LOG_LEVEL: logLevel,
    SHUTDOWN_GRACE_SECONDS: wholeNumber(10, 0, 600),
    JWT_SECRET: secret('at least 32 characters / 至少32个字符'),
    PASSWORD_PEPPER: secret('at least 32 characters, e.g. `openssl rand -hex 32` / 至少32个字符，例如 openssl rand -hex 32 的输出'),
    ACCESS_TOKEN_SECONDS: wholeNumber(900, 1, 86_400),
    REFRESH_TOKEN_SECONDS: wholeNumber(7 * 86_400, 60, 90 * 86_400),
    TRUST_PROXY: trustProxy,
    REDIS_URL: connectionUrl(/^rediss?:\/\/.+/, 'expected redis://host:port / 应为 redis:// 开头的地址'),
    CORS_ORIGINS: corsOrigins,
    MAX_BODY_BYTES: wholeNumber(1024 * 1024, 1024, 64 * 1024 * 1024),
    MAX_UPLOAD_BYTES: wholeNumber(64 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    LIVE_BUFFER_EVENTS: wholeNumber(10_000, 10, 1_000_000),
    MAX_SOCKET_SUBSCRIPTIONS: wholeNumber(100, 1, 10_000),
    TRUSTED_DOCUMENTS: switchOr(false),
    PERSISTED_DOCUMENTS_PATH: textOr('sdk/src/generated/persisted-documents.json'),
    LOCAL_LOGIN: localLogin,
    SSO_RETURN_URL: providerUrl,
    OIDC_ISSUER: text,
    OIDC_CLIENT_ID: text,
    OIDC_CLIENT_SECRET: text,
    OIDC_REDIRECT_URI: text,
    OIDC_USERNAME_CLAIM: textOr('preferred_username'),
    OIDC_SCOPE: textOr('openid profile'),
    CAS_BASE_URL: text,
    CAS_SERVICE_URL: text,
    /** Empty: the CAS user (`cas:user`) is the account name. */
    CAS_USERNAME_ATTRIBUTE: text,
  })
  .superRefine((vars, ctx) => {
    if (vars.NODE_ENV === 'production' && !vars.JWT_SECRET) {
      refuse(ctx, 'required in production, at least 32 characters / 生产环境必须设置 JWT_SECRET（至少32个字符）', { variable: 'JWT_SECRET', showValue: false });
    }
    if ((vars.OIDC_ISSUER || vars.CAS_BASE_URL) && !vars.SSO_RETURN_URL) {
      refuse(ctx, 'required with OIDC_ISSUER or CAS_BASE_URL (the portal page that finishes sign-in) / 配置统一身份认证时必须设置', {
        variable: 'SSO_RETURN_URL',
        showValue: false,
      });
    }
    if (vars.OIDC_ISSUER) checkSection(oidcVariables, vars, ctx);
    if (vars.CAS_BASE_URL) checkSection(casVariables, vars, ctx);
  });
