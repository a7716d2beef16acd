// `npm run dev`: the API with reload (tsx watch) and the portal on Vite's dev server with hot
// reload, the portal calling the API across origins (CORS_ORIGINS). Ctrl+C stops both.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const apiPort = process.env.PORT ?? '4000';
const portalPort = process.env.PORTAL_PORT ?? '5173';
const portalOrigins = [`http://127.0.0.1:${portalPort}`, `http://localhost:${portalPort}`];
const corsOrigins = [process.env.CORS_ORIGINS, ...portalOrigins].filter(Boolean).join(',');

const children = [
  spawn(process.execPath, [fileURLToPath(import.meta.resolve('tsx/cli')), 'watch', 'server/main.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PORT: apiPort, CORS_ORIGINS: corsOrigins },
  }),
  spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), '--config', 'portal/vite.config.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PORTAL_PORT: portalPort, VITE_LIXIAO_API: process.env.VITE_LIXIAO_API ?? `http://127.0.0.1:${apiPort}/graphql` },
  }),
];
console.log(`portal (reload): http://127.0.0.1:${portalPort}/   API: http://127.0.0.1:${apiPort}/graphql`);

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
