import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each suite opens real databases; `prisma migrate deploy` takes ~1 s per fresh one.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
