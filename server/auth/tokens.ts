import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** What a signed token says: whose credential, which version of it, and what for. */
export interface TokenClaims {
  credentialId: string;
  version: number;
  use: 'access' | 'refresh';
  expiresAt: Date;
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

  async sign(credentialId: string, version: number, use: TokenClaims['use']) {
    const seconds = use === 'access' ? this.accessSeconds : this.refreshSeconds;
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + seconds) * 1000);
    const token = await new SignJWT({ ver: version, use })
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
      if (payload.use !== use || typeof payload.ver !== 'number' || !payload.sub || !payload.exp) return 'TOKEN_INVALID';
      return { credentialId: payload.sub, version: payload.ver, use, expiresAt: new Date(payload.exp * 1000) };
    } catch (error) {
      return error instanceof joseErrors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID';
    }
  }
}
