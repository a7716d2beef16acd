import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPortalHandler } from './static.js';

export { renderOfflineGraphiQL } from './graphiql.js';

/** Paths the API owns: the portal never answers them, whatever the build contains. */
const API_PATHS = /^\/(graphql|healthz|readyz|exports)(\/|\?|$)/;

/**
 * The web pages: the built portal at `/` (client routes fall back to its index.html).
 * The handler answers true when it served the request; API paths and other methods are left to the caller.
 */
export function createWebRoutes() {
  const servePortal = createPortalHandler();
  return function serveWeb(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (API_PATHS.test(req.url ?? '/')) return false;
    servePortal(req, res);
    return true;
  };
}
