// Prisma CLI config for the PostgreSQL schema (generate, migrate deploy/diff).
// NOTE: @prisma/adapter-pg@6.19.3 is patched (/patches) so that catalog types such as "name" (OID 19)
// and "char" (OID 18), read by the wasm schema engine, map to Text.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// Must resolve while the CLI reads the schema (see prisma.sqlite.config.ts).
process.env.HANDOFF_POSTGRES_URL ??= "postgresql://postgres@127.0.0.1:5432/handoff";

// Discrete fields, not { connectionString }: a connectionString would override `database`
// in the shadow-DB pool, so the "shadow" DB would silently be the real one.
function pgConfig(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    // The CLI never closes its pool: without this the process lingers ~10 s (pg's idle timeout) after finishing.
    allowExitOnIdle: true,
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "../../prisma/postgres/schema.prisma",
  migrations: { path: "../../prisma/postgres/migrations" },
  async adapter() {
    const cfg = pgConfig(process.env.HANDOFF_POSTGRES_URL!);
    const main = new PrismaPg(cfg);
    // adapter-pg's own connectToShadowDb() drops its temp DB while its pool is still connected.
    // Same idea, right order (only `migrate dev`/`diff --from-migrations` use a shadow DB):
    main.connectToShadowDb = async () => {
      const admin = await main.connect();
      const name = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
      await admin.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = await new PrismaPg({ ...cfg, database: name }).connect();
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.dispose();
      };
      return shadow;
    };
    return main;
  },
});
