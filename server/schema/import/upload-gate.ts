import type { IncomingMessage } from 'node:http';
import { authenticate, bearerToken } from '../../auth/viewer.js';
import type { Services } from '../../services/runtime.js';
import type { ErrorCode } from '../../i18n/index.js';

/**
 * Multipart bodies (up to MAX_UPLOAD_BYTES) carry only imports, which only university admins
 * may run: the token and the role are checked from the headers, before a byte of the body is
 * read or parsed. GraphQL still checks the mutation's own scope afterwards.
 */
export const isUpload = (req: IncomingMessage) => req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('multipart/form-data');

export async function uploadRefusal(req: IncomingMessage, services: Services): Promise<{ status: 401 | 403; code: ErrorCode } | null> {
  const { viewer, failure } = await authenticate(services, bearerToken(req.headers.authorization));
  if (!viewer) return { status: 401, code: failure ?? 'UNAUTHENTICATED' };
  if (viewer.mustChangePassword) return { status: 403, code: 'PASSWORD_CHANGE_REQUIRED' };
  if (viewer.kind !== 'staff' || !viewer.roles.includes('UNIVERSITY_ADMIN')) return { status: 403, code: 'FORBIDDEN' };
  return null;
}
