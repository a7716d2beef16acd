import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

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

  async verify(token: string, use: TokenClaims['use']): Promise<TokenClaims | TokenFailure> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const { sub, exp, ver, fam, gen } = payload;
      if (payload.use !== use || typeof ver !== 'number' || typeof fam !== 'string' || typeof gen !== 'number' || !sub || !exp) return 'TOKEN_INVALID';
      return { credentialId: sub, version: ver, familyId: fam, generation: gen, use, expiresAt: new Date(exp * 1000) };
    } catch (error) {
      return error instanceof joseErrors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID';
    }
  }
}
