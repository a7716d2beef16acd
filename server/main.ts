import { createApp } from './app.js';
import { setUpInitialPasswordKey } from './auth/initial-password-key.js';
import { ConfigError, isLoopback, keepDevelopmentSecret, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { DataDirLockedError, lockDataDir } from './db/data-dir-lock.js';
import { applyMigrations, MigrationError } from './db/migrate.js';
import { createLogger } from './log.js';
import { seedDemoData } from './seed/demo.js';
import { createServices } from './services/runtime.js';

async function main() {
  const config = keepDevelopmentSecret(loadConfig());
  const log = createLogger(config.logLevel);
  const dataDirLock = !config.databaseUrl && config.dataDir !== 'memory://' ? lockDataDir(config.dataDir) : null;
  const db = await openDatabase({ ...config, onConnectionLost: (error) => log.warn('database connection lost', { error }) });
  log.info('database opened', { database: db.description });

  const migrations = await applyMigrations(db.sql);
  log.info('migrations checked', { applied: migrations.applied, alreadyApplied: migrations.alreadyApplied });
  await setUpInitialPasswordKey(config, db, log);

  if (!config.demoData && !config.production && !process.env.DEMO_DATA && !isLoopback(config.host)) {
    log.warn('demo data not loaded: HOST is not a loopback address and the demo accounts share a published password (DEMO_DATA=on loads it anyway)', {
      host: config.host,
    });
  }
  if (config.demoData) {
    const demo = await seedDemoData(db);
    if (demo) printDemoLogins(demo.logins);
  }

  const runtime = createServices(config, db, log);
  const app = createApp(config, runtime.services);
  const { url } = await app.listen();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // Closing the database waits for transactions still running, which could outlast any grace
    // period (a lock wait). The process is gone when the grace period ends: PostgreSQL rolls back a
    // transaction whose connection closes, so a batch cut off then is absent, never half-applied.
    const deadline = setTimeout(() => {
      log.warn('shutdown grace period over; exiting with work in flight (PostgreSQL rolls it back)', { graceSeconds: config.shutdownGraceSeconds });
      process.exit(0);
    }, config.shutdownGraceSeconds * 1000);
    deadline.unref();
    await app.close();
    await runtime.close();
    await db.close();
    dataDirLock?.release();
    log.info('stopped');
    process.exit(0);
  };
  // Last line of defence: every known failure is handled where it happens, and one that is not must cost
  // one request or one subscriber (logged with its stack for a fix), never every user's connection.
  process.on('unhandledRejection', (error) => log.error('unhandled rejection (process kept running)', { error }));
  process.on('uncaughtException', (error) => log.error('uncaught exception (process kept running)', { error }));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Announced last (lines are written synchronously): whoever waits for it may signal the process at once.
  log.info('Lixiao is listening', { url, portal: new URL('/', url).href });
}

function printDemoLogins(logins: { role: string; username: string; password: string }[]) {
  const lines = logins.map((l) => `  ${l.role.padEnd(28)} ${l.username.padEnd(24)} ${l.password}`);
  process.stdout.write(
    `\n演示账号 / Demo logins (shown once, on the first start):\n${lines.join('\n')}\n` +
      '  学生初始密码为身份证号后6位，首次登录须修改。Students start with the last 6 characters of their ID number and must change it.\n\n',
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof MigrationError || error instanceof DataDirLockedError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Lixiao failed to start / 启动失败: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
