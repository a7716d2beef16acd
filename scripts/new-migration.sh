#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql: the DDL from the schema
# committed at a git revision (default HEAD) to the working prisma/schema.prisma.
#
# Prisma 7's CLI needs a schema-engine binary it cannot download offline; Prisma
# 6.19's CLI carries a Wasm engine (engine "js" + a driver adapter), so the diff is
# computed with that in a scratch folder. That engine insists on connecting to some
# PostgreSQL (LIXIAO_DIFF_DATABASE_URL, default the local server's `postgres`
# database) but reads and writes nothing there for a schema-to-schema diff.
set -euo pipefail
name=${1:?usage: scripts/new-migration.sh <name> [from-revision]}
from=${2:-HEAD}
root=$(git rev-parse --show-toplevel)
work=${LIXIAO_PRISMA6_DIR:-/tmp/lixiao-prisma6}
url=${LIXIAO_DIFF_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
mkdir -p "$work"
if [ ! -d "$work/node_modules/prisma" ]; then
  (cd "$work" && npm init -y >/dev/null && npm pkg set type=module >/dev/null &&
    npm install --silent -E prisma@6.19.3 @prisma/adapter-pg@6.19.3 @prisma/client@6.19.3)
fi
cat > "$work/prisma.config.ts" <<TS
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'to.prisma',
  adapter: async () => new PrismaPg({ connectionString: '$url' }),
});
TS
for_cli() { sed -e "s#provider = \"postgresql\"#provider = \"postgresql\"\n  url = \"$url\"#" -e '/^generator pothos/,/^}/d'; }
git -C "$root" show "$from:prisma/schema.prisma" | for_cli > "$work/from.prisma"
for_cli < "$root/prisma/schema.prisma" > "$work/to.prisma"
dir="$root/prisma/migrations/$(date -u +%Y%m%d%H%M%S)_$name"
sql=$(cd "$work" && PRISMA_QUERY_ENGINE_LIBRARY="$work/to.prisma" PRISMA_SCHEMA_ENGINE_BINARY="$work/to.prisma" \
  npx prisma migrate diff --from-schema-datamodel from.prisma --to-schema-datamodel to.prisma --script)
if [ -z "$(printf '%s' "$sql" | grep -v '^--' | tr -d '[:space:]')" ]; then
  echo "No schema change between $from and the working tree." >&2
  exit 1
fi
mkdir -p "$dir"
printf '%s\n' "$sql" > "$dir/migration.sql"
echo "wrote ${dir#$root/}/migration.sql"
