import { decodeGlobalID } from '@pothos/plugin-relay';
import { isUuid } from '../services/ids.js';

/** A global id's type name and row id; null when it cannot name a row (callers answer NOT_FOUND). */
export function parseGlobalId(globalId: string): { typename: string; id: string } | null {
  try {
    const decoded = decodeGlobalID(globalId);
    return isUuid(decoded.id) ? decoded : null;
  } catch {
    return null;
  }
}

/** The row id behind a global id of `typename`; null when it is malformed or names another type. */
export function decodeId(globalId: string, typename: string): string | null {
  const decoded = parseGlobalId(globalId);
  return decoded?.typename === typename ? decoded.id : null;
}
