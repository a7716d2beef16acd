/** ClearanceEvent.seq is a PostgreSQL bigint. */
const MAX_SEQ = 2n ** 63n - 1n;

/** Whether a client's cursor (a ClearanceEvent seq as a string) can be a sequence number at all. */
export function isSequenceNumber(cursor: string): boolean {
  return /^\d{1,19}$/.test(cursor) && BigInt(cursor) <= MAX_SEQ;
}
