import { AppError } from '../errors.js';
import { isResyncRequired, type ResyncRequired } from './event-stream.js';

/**
 * A subscription's resolver for one streamed value: the value itself, or, for the
 * stream's last value when its subscriber fell behind, RESYNC_REQUIRED with the seq
 * to catch up from (the client then gets `next` with that error, and `complete`).
 */
export function deliverOrResync<T>(value: T | ResyncRequired): T {
  if (isResyncRequired(value)) throw new AppError('RESYNC_REQUIRED', { lastSeq: value.lastSeq ?? '0' });
  return value;
}
