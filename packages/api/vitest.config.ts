import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

export default defineHandoffTestConfig();
