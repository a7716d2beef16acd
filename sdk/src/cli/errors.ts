/** How the CLI ends, and the errors that choose it. */

/** 0 ok; 1 user or data error; 2 usage; 3 server or network. */
export const EXIT = { OK: 0, DATA: 1, USAGE: 2, SERVER: 3 } as const;

/** A mistake in how the command was called (exit 2). */
export class UsageError extends Error {}
/** A problem with the user's data or files (exit 1). */
export class DataError extends Error {}
