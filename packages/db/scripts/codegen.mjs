#!/usr/bin/env node
// Generates both Prisma clients into src/generated/{sqlite,postgres}. Idempotent and fast: skips when
// src/generated/.stamp matches a hash of both schemas and the Prisma version. Safe to run from
// several scripts at once (turbo runs typecheck, lint and test in parallel): a mkdir lock serializes them.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const root = path.resolve(pkg, "../..");
const generated = path.join(pkg, "src/generated");
const stampFile = path.join(generated, ".stamp");
const lockDir = path.join(generated, ".codegen.lock");
const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");
const prismaVersion = JSON.parse(readFileSync(require.resolve("prisma/package.json"), "utf8")).version;

const targets = [
  { config: "prisma.sqlite.config.ts", schema: "prisma/sqlite/schema.prisma", out: "sqlite" },
  { config: "prisma.postgres.config.ts", schema: "prisma/postgres/schema.prisma", out: "postgres" },
];

function expectedStamp() {
  const hash = createHash("sha256").update(prismaVersion);
  for (const t of targets) hash.update(readFileSync(path.join(root, t.schema)));
  return hash.digest("hex");
}

function isFresh(stamp) {
  return (
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8") === stamp &&
    targets.every((t) => existsSync(path.join(generated, t.out, "client.ts")))
  );
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function acquireLock() {
  mkdirSync(generated, { recursive: true });
  for (let waitedMs = 0; ; waitedMs += 100) {
    try {
      mkdirSync(lockDir);
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      // A lock older than 2 minutes was left by a killed run.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 120_000) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // lock vanished meanwhile: retry
      }
      if (waitedMs > 180_000) throw new Error(`codegen: timed out waiting for ${lockDir}`);
      sleep(100);
    }
  }
}

const stamp = expectedStamp();
if (isFresh(stamp)) process.exit(0);

acquireLock();
try {
  if (!isFresh(stamp)) {
    rmSync(stampFile, { force: true });
    for (const t of targets) {
      const result = spawnSync(process.execPath, [prismaCli, "generate", "--config", t.config], {
        cwd: pkg,
        encoding: "utf8",
        env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      });
      if (result.status !== 0) {
        process.stderr.write(result.stdout + result.stderr);
        throw new Error(`codegen: prisma generate --config ${t.config} failed (exit ${result.status})`);
      }
    }
    writeFileSync(stampFile, stamp);
    console.log(`codegen: generated Prisma clients (sqlite, postgres) into ${path.relative(root, generated)}`);
  }
} finally {
  rmSync(lockDir, { recursive: true, force: true });
}
