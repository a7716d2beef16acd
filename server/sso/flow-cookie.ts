import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EncryptJWT, jwtDecrypt } from 'jose';

/**
 * What a sign-in must remember between sending the browser to the provider and its return
 * (state, nonce, PKCE verifier), kept in the browser itself: an encrypted, HttpOnly cookie.
 * Any server process can read it back, and a callback that arrives in a browser which did
 * not start the sign-in (login CSRF) finds no cookie and is refused.
 */
export class FlowCookies {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    /** https deployments mark the cookie Secure. */
    private readonly secure: boolean,
  ) {
    // A key of its own, derived from the token secret: a flow cookie can never pass for a token.
    this.key = createHash('sha256').update(`lixiao sign-in flow\0${secret}`).digest();
  }

  async set(name: string, path: string, payload: Record<string, string>): Promise<string> {
    const value = await new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${FLOW_SECONDS}s`)
      .encrypt(this.key);
    return this.serialize(name, path, value, FLOW_SECONDS);
  }

  clear(name: string, path: string): string {
    return this.serialize(name, path, '', 0);
  }

  /** The cookie's payload, or null when it is missing, expired or not ours. */
  async read(req: IncomingMessage, name: string): Promise<Record<string, unknown> | null> {
    const value = readCookie(req.headers.cookie, name);
    if (!value) return null;
    try {
      const { payload } = await jwtDecrypt(value, this.key);
      return payload;
    } catch {
      return null;
    }
  }

  private serialize(name: string, path: string, value: string, maxAge: number): string {
    // SameSite=Lax: the provider's redirect back is a top-level GET, which Lax cookies accompany.
    return `${name}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }
}

/** How long a user may spend at the provider's sign-in page. */
const FLOW_SECONDS = 600;

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}
