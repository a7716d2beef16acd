import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/**
 * PostgreSQL and Redis instances private to one test file, so it can stop and
 * restart them while the rest of the suite keeps using the shared services.
 */

/** Sends one line over TCP and resolves with the first answer (empty if the port refuses). */
function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (answer: string) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(''));
    socket.once('error', () => done(''));
    socket.once('data', (chunk) => done(String(chunk)));
    socket.connect(port, '127.0.0.1', () => socket.write(line));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export interface PrivateRedis {
  url: string;
  /** Kills the server (as a crash would); the port then refuses connections. */
  stop(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      output = '';
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk) => (output += String(chunk)));
      child.stderr!.on('data', (chunk) => (output += String(chunk)));
      await waitFor(
        async () => (await ask(port, 'PING\r\n')).startsWith('+PONG'),
        10_000,
        () => `redis-server to come up:\n${output}`,
      );
    },
    async stop() {
      if (!child) return;
      const running = child;
      child = null;
      running.kill('SIGKILL');
      await exited(running);
    },
  };
  await redis.start();
  return redis;
}

export interface PrivatePostgres {
  /** postgres://… of a database created for the test. */
  url: string;
  /** Immediate shutdown (SIGQUIT to the postmaster): connections drop as in a crash; restart replays the WAL. */
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port. */
  start(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
}

/** The binaries of the installed PostgreSQL (Debian keeps them off PATH). */
function postgresBinDir(): string {
  const fromPgConfig = (() => {
    try {
      return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  })();
  for (const dir of [fromPgConfig, '/usr/lib/postgresql/15/bin']) if (dir && existsSync(join(dir, 'initdb'))) return dir;
  throw new Error('PostgreSQL binaries (initdb, postgres) not found: install PostgreSQL server or put pg_config on PATH');
}

/** PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` account. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('running as root and there is no postgres account to run a private PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A throwaway cluster (initdb, trust authentication) on a free port in a temp dir.
 * fsync is off for speed; synchronous_commit stays on, so a commit the server
 * acknowledged survives the immediate shutdown.
 */
export async function startPrivatePostgres(database: string): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'lixiao-faults-pg-'));
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  execFileSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], { ...user, stdio: 'pipe' });
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';
  // An empty answer means refused; PostgreSQL answers an SSL request with one byte once it listens.
  const accepting = async () => (await ask(port, '\x00\x00\x00\x08\x04\xd2\x16\x2f')).length > 0;
  const instance: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      output = '';
      child = spawn(
        join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=60'],
        { ...user, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (chunk) => (output += String(chunk)));
      child.stderr!.on('data', (chunk) => (output += String(chunk)));
      await waitFor(
        async () => /ready to accept connections/.test(output) && (await accepting()),
        30_000,
        () => `the private PostgreSQL to come up:\n${output}`,
      );
    },
    async stop() {
      if (!child) return;
      const running = child;
      child = null;
      running.kill('SIGQUIT');
      await exited(running);
    },
    async destroy() {
      if (child) {
        const running = child;
        child = null;
        running.kill('SIGINT');
        await exited(running);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await instance.start();
    execFileSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database], { stdio: 'pipe' });
  } catch (error) {
    await instance.destroy();
    throw error;
  }
  return instance;
}
