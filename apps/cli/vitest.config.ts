import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// `npm test` runs every package at once on small machines: give I/O-heavy tests room.
export default defineHandoffTestConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000 } });
