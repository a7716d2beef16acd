import { defineConfig } from 'prisma/config';

// The server applies migrations itself at boot (server/db/migrate.ts); the CLI only
// needs the schema path and, for `migrate deploy/status` where the engine exists, a URL.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/lixiao' },
});
