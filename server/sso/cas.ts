import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import type { CasConfig } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { matchIdentity } from './accounts.js';
import { cliReturnOf, type FinishedSignIn } from './cli-return.js';
import type { FlowCookies } from './flow-cookie.js';
import type { SignInOutcome } from './handoff.js';
import { providerFailure } from './provider-failure.js';

export const CAS_START_PATH = '/auth/cas/start';
const COOKIE = 'lixiao_cas';

// Tag values stay strings: a student number like 0123 must not become 123.
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: true });

/**
 * CAS 3.0: the browser goes to `<CAS_BASE_URL>/login?service=<CAS_SERVICE_URL>` and comes
 * back to the service URL with a ticket, which the server validates at `/p3/serviceValidate`
 * (the user and their attributes in the answer). The service URL is fixed by configuration,
 * so it is the same at login and at validation, as CAS requires.
 */
export class CasSignIn {
  constructor(
    private readonly config: CasConfig,
    private readonly cookies: FlowCookies,
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  private get cookiePath() {
    return new URL(this.config.serviceUrl).pathname;
  }

  /** CAS has no state parameter: the cookie alone ties the returning browser to the one that left. */
  async start(cliReturn: string | null): Promise<{ location: string; cookie: string }> {
    const location = `${this.config.baseUrl}/login?service=${encodeURIComponent(this.config.serviceUrl)}`;
    const cookie = await this.cookies.set(COOKIE, this.cookiePath, { attempt: randomBytes(16).toString('base64url'), ...(cliReturn ? { cliReturn } : {}) });
    return { location, cookie };
  }

  async finish(req: IncomingMessage): Promise<FinishedSignIn> {
    const cookie = this.cookies.clear(COOKIE, this.cookiePath);
    const flow = await this.cookies.read(req, COOKIE);
    return { outcome: await this.outcomeOf(req, flow), cookie, cliReturn: cliReturnOf(flow) };
  }

  private async outcomeOf(req: IncomingMessage, flow: Record<string, unknown> | null): Promise<SignInOutcome> {
    const ticket = new URL(req.url ?? '/', 'http://callback').searchParams.get('ticket');
    if (!ticket || !flow) return { refusal: 'SSO_FLOW_INVALID', params: {} };
    let answer: CasAnswer;
    try {
      answer = await this.validate(ticket);
    } catch (error) {
      return providerFailure('cas', error, this.log);
    }
    if ('failure' in answer) return providerFailure('cas', new CasRefusal(answer.failure), this.log);
    const attribute = this.config.usernameAttribute;
    const value = attribute ? answer.attributes?.[attribute] : answer.user;
    // A multi-valued attribute repeats its element; the first one names the account.
    const identity = Array.isArray(value) ? value[0] : value;
    if (typeof identity !== 'string' || !identity) return { refusal: 'SSO_CLAIM_MISSING', params: { claim: attribute ?? 'user' } };
    // Outside the try: a database failure here is ours (503), not the CAS server's refusal.
    return await matchIdentity(this.db, identity);
  }

  /** `/p3/serviceValidate`'s `serviceResponse`: success with `user` and `attributes`, or a failure with its code. */
  private async validate(ticket: string): Promise<CasAnswer> {
    const validation = new URL(`${this.config.baseUrl}/p3/serviceValidate`);
    validation.searchParams.set('service', this.config.serviceUrl);
    validation.searchParams.set('ticket', ticket);
    const response = await fetch(validation, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/xml, text/xml' } });
    if (!response.ok) throw new Error(`serviceValidate answered HTTP ${response.status}`);
    const answer = (parser.parse(await response.text()) as { serviceResponse?: CasServiceResponse }).serviceResponse;
    const failure = answer?.authenticationFailure;
    if (failure !== undefined) return { failure: (typeof failure === 'object' ? failure['@code'] : undefined) ?? 'INVALID_RESPONSE' };
    return answer?.authenticationSuccess ?? { failure: 'INVALID_RESPONSE' };
  }
}

type CasAnswer = { user?: string; attributes?: Record<string, unknown> } | { failure: string };

interface CasServiceResponse {
  authenticationSuccess?: { user?: string; attributes?: Record<string, unknown> };
  authenticationFailure?: string | { '@code'?: string };
}

/** The CAS server's failure code (INVALID_TICKET, INVALID_SERVICE, …) as the refusal's reason. */
class CasRefusal extends Error {
  readonly error: string;
  constructor(code: string) {
    super(`CAS refused the ticket: ${code}`);
    this.name = 'CasRefusal';
    this.error = code;
  }
}
