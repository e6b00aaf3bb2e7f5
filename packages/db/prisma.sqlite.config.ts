// Prisma CLI config for the SQLite schema (generate, migrate deploy/diff). Used by openDatabase()
// to run `prisma migrate deploy` and by scripts/codegen.mjs to run `prisma generate`.
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// The schema's url = env("HANDOFF_SQLITE_URL") must resolve while the CLI reads the schema, otherwise
// Prisma 6 falls back to its native engine and tries to download it (.env is not read with a config file).
process.env.HANDOFF_SQLITE_URL ??= "file::memory:"; // migrate diff connects even --from-empty

// Prisma 6.19's wasm schema engine sends whole migration scripts through executeRaw();
// better-sqlite3's prepare() accepts one statement only -> fall back to executeScript().
type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;

function multiStatementSafe(factory: PrismaBetterSQLite3): PrismaBetterSQLite3 {
  const wrap = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      try {
        return await executeRaw(query);
      } catch (error) {
        if (query.args.length === 0 && /more than one statement/.test(String((error as Error | undefined)?.message))) {
          await adapter.executeScript(query.sql);
          return 0;
        }
        throw error;
      }
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => wrap(await connect());
  factory.connectToShadowDb = async () => wrap(await connectToShadowDb());
  return factory;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js", // bundled wasm schema engine: no binary download
  schema: "../../prisma/sqlite/schema.prisma",
  migrations: { path: "../../prisma/sqlite/migrations" },
  async adapter() {
    return multiStatementSafe(new PrismaBetterSQLite3({ url: process.env.HANDOFF_SQLITE_URL! }));
  },
});
