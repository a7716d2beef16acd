import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

/**
 * A real OpenID Connect provider (node-oidc-provider) on a free 127.0.0.1 port, for tests
 * (not a test file). Its sign-in page accepts any user name (devInteractions): the name
 * becomes `sub` and `preferred_username`, which it answers at userinfo only, as providers
 * that keep ID tokens small do. Two clients share the redirect URI: ours and another app.
 */
export interface TestOidcProvider {
  issuer: string;
  client: { id: string; secret: string };
  otherClient: { id: string; secret: string };
  /** Replaces the ID token of the next token response (an attacker's provider-signed token for another client). */
  substituteNextIdToken(idToken: string): void;
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUri: string, postLogoutRedirectUri: string): Promise<TestOidcProvider> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = { id: 'lixiao', secret: 'lixiao-client-secret-for-tests' };
  const otherClient = { id: 'other-app', secret: 'other-app-client-secret-for-tests' };
  const clientMetadata = (id: string, secret: string): ClientMetadata => ({
    client_id: id,
    client_secret: secret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutRedirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  });
  const provider = new Provider(issuer, {
    clients: [clientMetadata(client.id, client.secret), clientMetadata(otherClient.id, otherClient.secret)],
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: { openid: ['sub'], profile: ['preferred_username'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: id }) }),
    cookies: { keys: ['test-provider-cookie-key'] },
    // Own keys and lifetimes keep the provider's start-up notices about its defaults out of the test output.
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' }] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  });
  let substitute: string | null = null;
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && substitute && body?.id_token) {
      ctx.body = { ...body, id_token: substitute };
      substitute = null;
    }
  });
  http.on('request', provider.callback());
  return {
    issuer,
    client,
    otherClient,
    substituteNextIdToken: (idToken) => void (substitute = idToken),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
