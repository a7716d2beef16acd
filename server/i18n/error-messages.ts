import type { LocalizedText } from '../domain/index.js';
import { fillTemplate, inLocale, type Locale } from './locale.js';

/**
 * Every failure a user can cause, with its stable code and both messages.
 * `{name}` placeholders are filled from the error's params.
 */
export const ERROR_CATALOGUE = {
  UNAUTHENTICATED: { zh: '请先登录。', en: 'Please log in first.' },
  TOKEN_EXPIRED: { zh: '登录已过期，请刷新令牌或重新登录。', en: 'Your session has expired: refresh the token or log in again.' },
  TOKEN_REVOKED: { zh: '登录已失效（密码已修改或已退出），请重新登录。', en: 'This session was ended (password changed or logged out): log in again.' },
  REFRESH_TOKEN_REUSED: {
    zh: '该刷新令牌已使用过，可能已被他人复制：此登录已终止，请重新登录。',
    en: 'This refresh token was already used, so someone may have copied it: this session has been ended, log in again.',
  },
  TOKEN_INVALID: { zh: '令牌无效，请重新登录。', en: 'The token is not valid: log in again.' },
  FORBIDDEN: { zh: '无权执行此操作。', en: 'You are not allowed to do this.' },
  FIRST_SUPERVISOR_ONLY: {
    zh: '该事项只由第一导师审核，第二导师无需操作。',
    en: 'Only the first supervisor reviews this item: the second supervisor has nothing to do.',
  },
  CSRF_HEADER_REQUIRED: {
    zh: '请求被拒绝（CSRF 防护）：浏览器可跨站发送的请求须带 x-graphql-yoga-csrf 请求头。',
    en: 'Request refused (CSRF protection): a request a browser could send cross-site needs the x-graphql-yoga-csrf header.',
  },
  PASSWORD_CHANGE_REQUIRED: { zh: '首次登录须先修改初始密码。', en: 'Change your initial password before doing anything else.' },
  INVALID_CREDENTIALS: { zh: '账号或密码错误。', en: 'Wrong account or password.' },
  CURRENT_PASSWORD_WRONG: { zh: '当前密码不正确。', en: 'The current password is wrong.' },
  LOGIN_LOCKED: {
    zh: '密码错误次数过多，请 {retryAfterMinutes} 分钟后再试。忘记密码请联系网络与信息中心 027-67885173。',
    en: 'Too many wrong passwords: try again in {retryAfterMinutes} min. Forgotten passwords: Network & Information Centre, 027-67885173.',
  },
  WEAK_PASSWORD: {
    zh: '新密码须为 8–128 个字符，至少包含字母、数字、符号中的两类，且不能与学号或初始密码相同。',
    en: 'The new password needs 8–128 characters with at least two of letters, digits and symbols, and must differ from your account name and initial password.',
  },
  INVALID_INPUT: { zh: '输入无效：{detail}', en: 'Invalid input: {detail}' },
  NOT_FOUND: { zh: '未找到该记录。', en: 'Not found.' },
  SERVICE_UNAVAILABLE: { zh: '服务暂时不可用，请稍后重试。', en: 'The service is briefly unavailable: try again shortly.' },
  OPERATION_LIMIT: { zh: '操作被拒绝：{limit}', en: 'Operation refused: {limit}' },
  SURVEY_REQUIRED: {
    zh: '请先填写并提交《就业与人才培养质量调研问卷》（点击“完成答卷”），之后才能查看电子离校单。',
    en: 'Fill in and submit the employment & training-quality survey first; the clearance sheet opens after that.',
  },
  SURVEY_ALREADY_SUBMITTED: { zh: '问卷已提交，无需重复填写。', en: 'The survey was already submitted.' },
  STUDENT_DEFERRED: {
    zh: '你已获批延期毕业，降入下一年级，本次无需办理离校手续。',
    en: 'Your graduation was deferred: you moved to the next cohort and do not clear now.',
  },
  CONFLICT: { zh: '该事项已被他人修改，请刷新后重试。', en: 'Someone changed this item in the meantime: reload and try again.' },
  ITEM_LOCKED: { zh: '前置环节尚未通过，该事项暂不能审核。', en: 'A prerequisite is not approved yet, so this item cannot be decided.' },
  REASON_REQUIRED: { zh: '请填写原因。', en: 'A reason is required.' },
  REASON_TOO_LONG: { zh: '原因不能超过 500 个字符。', en: 'The reason must be at most 500 characters.' },
  INVALID_TRANSITION: { zh: '该事项当前状态不允许此操作。', en: "This change is not allowed from the item's current state." },
  ALREADY_IN_STATE: { zh: '该事项已是此状态。', en: 'The item is already in that state.' },
  SOURCE_NOT_ALLOWED: { zh: '你无权对该事项执行此操作。', en: 'You may not make this change to the item.' },
  SURVEY_ANSWER_INVALID: { zh: '问卷答案有误（{field}）：{detailZh}。', en: 'Survey answer not accepted ({field}): {detailEn}.' },
  INVALID_RULE: { zh: '规则变更有误（{field}）：{detail}', en: 'The rule change is not valid ({field}): {detail}' },
  RESYNC_REQUIRED: {
    zh: '实时更新积压过多，本订阅已结束：请用 changesSince(cursor: "{lastSeq}") 补齐之后的变更，再重新订阅。',
    en: 'This subscription fell too far behind and has ended: catch up with changesSince(cursor: "{lastSeq}"), then subscribe again.',
  },
  SUBSCRIPTION_LIMIT: {
    zh: '每个连接最多同时进行 {limit} 个订阅或操作，请先结束不再需要的订阅。',
    en: 'At most {limit} subscriptions or operations may run at once on one connection: end one you no longer need first.',
  },
  STALE: { zh: '该结果早于已记录的结果，已忽略。', en: 'This result is older than the one already recorded and was ignored.' },
  LOCAL_LOGIN_DISABLED: {
    zh: '本校已关闭该类账号的密码登录，请点击“统一身份认证登录”。',
    en: "Password login is turned off for this kind of account: sign in through the university's identity service.",
  },
  SSO_NOT_CONFIGURED: { zh: '未配置该统一身份认证方式。', en: 'This sign-in provider is not configured.' },
  SSO_UNKNOWN_IDENTITY: {
    zh: '统一身份认证账号“{identity}”在离校系统中没有对应的学生或教职工账号，请联系学院或网络与信息中心 027-67885173。',
    en: 'The identity "{identity}" has no student or staff account in the clearance system: contact your college or the Network & Information Centre, 027-67885173.',
  },
  SSO_CLAIM_MISSING: {
    zh: '统一身份认证未提供账号字段“{claim}”，无法确定您的身份，请联系网络与信息中心。',
    en: 'The identity provider did not send "{claim}", so your account cannot be found: contact the Network & Information Centre.',
  },
  SSO_FLOW_INVALID: {
    zh: '统一身份认证登录未完成（请求已过期，或不是从本浏览器发起），请重新登录。',
    en: 'The sign-in could not be completed (it expired or was not started in this browser): sign in again.',
  },
  SSO_PROVIDER_REFUSED: { zh: '统一身份认证拒绝了本次登录，请重新登录。', en: 'The identity provider refused this sign-in: sign in again.' },
  SSO_PROVIDER_UNAVAILABLE: { zh: '统一身份认证服务暂时无法访问，请稍后重试。', en: 'The identity provider cannot be reached right now: try again shortly.' },
  SSO_CODE_INVALID: { zh: '登录凭据无效或已使用，请重新登录。', en: 'This sign-in code is not valid or was already used: sign in again.' },
} as const satisfies Record<string, LocalizedText>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export type ErrorParams = Record<string, string | number>;

export function formatMessage(code: ErrorCode, locale: Locale, params: ErrorParams = {}): string {
  return fillTemplate(inLocale(ERROR_CATALOGUE[code], locale), (name) => params[name]);
}

/** Both languages at once, for answers given where the request's language is not known. */
export function bilingualMessage(code: ErrorCode, params: ErrorParams = {}): string {
  return `${formatMessage(code, 'zh-CN', params)} / ${formatMessage(code, 'en', params)}`;
}
