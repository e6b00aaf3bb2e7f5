import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// Each suite opens real databases; `prisma migrate deploy` takes ~1 s per fresh one.
export default defineHandoffTestConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000 } });
