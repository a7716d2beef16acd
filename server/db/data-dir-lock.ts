import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

/**
 * The embedded database is a directory that exactly one process may write: two servers on
 * the same DATA_DIR would both hand out sequence numbers and ids. The lock is a file next to
 * the directory (`<DATA_DIR>.lock`) naming its holder; the holder's PID is checked, so a lock
 * left by a killed process is recognised and taken over.
 */

interface Holder {
  pid: number;
  hostname: string;
  /** Tells this holder's file from a later one by the same PID. */
  nonce: string;
  since: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: Pick<Holder, 'pid' | 'hostname'>,
    readonly lockPath: string,
  ) {
    super(
      `数据目录 ${dataDir} 正被另一个 Lixiao 进程使用（PID ${holder.pid}，主机 ${holder.hostname}），拒绝启动。` +
        `请先停止该进程，或为本进程设置另一个 DATA_DIR。\n` +
        `DATA_DIR ${dataDir} is in use by another Lixiao process (PID ${holder.pid} on ${holder.hostname}); refusing to start. ` +
        `Stop that process or give this one another DATA_DIR. (Lock file: ${lockPath})`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = `${resolve(dataDir)}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  const mine: Holder = { pid: process.pid, hostname: hostname(), nonce: randomBytes(12).toString('hex'), since: new Date().toISOString() };
  // Written aside and linked into place: link() creates the name only if it is free, with the
  // content already complete, so no process ever reads a half-written lock.
  const draft = `${path}.${mine.nonce}`;
  writeFileSync(draft, JSON.stringify(mine));
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (tryLink(draft, path)) return held(path, mine.nonce);
      const holder = readHolder(path);
      if (holder && holdsLock(holder)) throw new DataDirLockedError(dataDir, holder, path);
      takeOverStale(path, holder, dataDir, mine.nonce);
    }
    const holder = readHolder(path);
    throw new DataDirLockedError(dataDir, holder ?? { pid: 0, hostname: 'unknown' }, path);
  } finally {
    removeQuietly(draft);
  }
}

/**
 * Moves a dead holder's lock aside; rename() moves a given file for one process only. If what
 * was moved is not the file judged stale (another starting process took over in between),
 * it goes back and this process refuses.
 */
function takeOverStale(path: string, stale: Holder | null, dataDir: string, nonce: string) {
  const aside = `${path}.stale-${nonce}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved && moved.nonce !== stale?.nonce && holdsLock(moved)) {
    tryLink(aside, path);
    removeQuietly(aside);
    throw new DataDirLockedError(dataDir, moved, path);
  }
  removeQuietly(aside);
}

function held(path: string, nonce: string): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readHolder(path)?.nonce === nonce) removeQuietly(path);
  };
  process.on('exit', release);
  return { path, release };
}

/** A process on another machine (a shared file system) cannot be checked: its lock holds. */
function holdsLock(holder: Holder): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.nonce !== 'string' || typeof parsed.hostname !== 'string') return null;
    return parsed as Holder;
  } catch {
    return null;
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function removeQuietly(path: string) {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
