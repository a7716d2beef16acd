import type { IncomingMessage } from 'node:http';
import { clientAddress } from './auth/client-address.js';
import { authenticate, bearerToken, type Authentication, type Viewer } from './auth/viewer.js';
import { pickLocale, type Locale } from './i18n/index.js';
import type { Services } from './services/runtime.js';

/** One context shape for HTTP and graphql-ws operations. */
export interface Context extends Services {
  locale: Locale;
  viewer: Viewer | null;
  authFailure: Authentication['failure'];
  clientAddress: string;
}

/** What yoga hands the context factory: an HTTP request, or our socket's equivalent. */
export interface ServerContext {
  req?: IncomingMessage;
  /** Set for graphql-ws operations: authenticated once, at connection_init. */
  socketAuthentication?: Authentication;
}

export async function createContext(services: Services, server: ServerContext): Promise<Context> {
  const headers = server.req?.headers ?? {};
  const authentication = server.socketAuthentication ?? (await authenticate(services, bearerToken(headers.authorization)));
  const acceptLanguage = headers['accept-language'];
  return {
    ...services,
    locale: pickLocale(Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage),
    viewer: authentication.viewer,
    authFailure: authentication.failure,
    clientAddress: clientAddress(server.req?.socket.remoteAddress, headers['x-forwarded-for'], services.trustProxy),
  };
}
