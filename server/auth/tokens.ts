import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';

/** What a signed token says: whose credential, which version of it, which login (session family), and what for. */
export interface TokenClaims {
  credentialId: string;
  version: number;
  familyId: string;
  /** For refresh tokens: which of the family's refresh tokens this is (only the newest works). */
  generation: number;
  use: 'access' | 'refresh';
  expiresAt: Date;
}

export interface TokenSubject {
  credentialId: string;
  version: number;
  familyId: string;
  generation: number;
}

export type TokenFailure = 'TOKEN_EXPIRED' | 'TOKEN_INVALID';

const ISSUER = 'lixiao';
/** The only protected header this service signs with, base64url-encoded: `{"alg":"HS256"}`. */
const SIGNED_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export class TokenSigner {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    readonly accessSeconds: number,
    readonly refreshSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign({ credentialId, version, familyId, generation }: TokenSubject, use: TokenClaims['use']) {
    const seconds = use === 'access' ? this.accessSeconds : this.refreshSeconds;
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + seconds) * 1000);
    const token = await new SignJWT({ ver: version, use, fam: familyId, gen: generation })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(credentialId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
    return { token, expiresAt };
  }

  /**
   * Checked with node:crypto rather than jose: jose goes through WebCrypto, whose HMAC costs
   * 90–160 µs of CPU per call here, and this runs for every request. Only tokens exactly as
   * `sign` writes them are accepted (that header, canonical base64url, our issuer).
   */
  async verify(token: string, use: TokenClaims['use']): Promise<TokenClaims | TokenFailure> {
    const parts = token.split('.');
    if (parts.length !== 3) return 'TOKEN_INVALID';
    const [header, body, signature] = parts as [string, string, string];
    if (header !== SIGNED_HEADER || !BASE64URL.test(body)) return 'TOKEN_INVALID';
    const expected = Buffer.from(createHmac('sha256', this.key).update(`${header}.${body}`).digest('base64url'));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'TOKEN_INVALID';
    const payload = parsePayload(body);
    if (!payload || payload.iss !== ISSUER) return 'TOKEN_INVALID';
    const { sub, exp, ver, fam, gen } = payload;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'TOKEN_INVALID';
    if (exp <= Math.floor(Date.now() / 1000)) return 'TOKEN_EXPIRED';
    if (payload.use !== use || typeof ver !== 'number' || typeof fam !== 'string' || typeof gen !== 'number' || typeof sub !== 'string' || !sub)
      return 'TOKEN_INVALID';
    return { credentialId: sub, version: ver, familyId: fam, generation: gen, use, expiresAt: new Date(exp * 1000) };
  }
}

function parsePayload(body: string): Record<string, unknown> | null {
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
