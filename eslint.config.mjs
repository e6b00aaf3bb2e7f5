import { readdirSync, readFileSync } from "node:fs";
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";
import { noImportCycle } from "./scripts/eslint/no-import-cycle.mjs";

const SOURCE_FILES = ["**/*.ts", "**/*.tsx", "**/*.mjs", "**/*.js"];
const TEST_FILES = ["**/*.test.ts", "**/*.test.tsx", "**/test/**", "**/vitest.config.*"];

/** Every app's package name, read from `apps/*` (an app that moves in is covered without editing this file). */
const APP_PACKAGES = readdirSync(new URL("./apps/", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    try {
      return [JSON.parse(readFileSync(new URL(`./apps/${entry.name}/package.json`, import.meta.url), "utf8")).name];
    } catch {
      return [];
    }
  });
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const packageRegex = (names) => `^(?:${names.map(escape).join("|")})(?:/.*)?$`;

const noApps = {
  regex: packageRegex(APP_PACKAGES),
  message: "packages never import apps: move what both need into a package (the API's types live in @handoff/api).",
};
const noAppPaths = { regex: "^(?:\\.\\./)+apps/", message: "packages never reach into apps by relative path." };

/** The import boundaries, one entry per area; `lint` fails on any import across them. */
const boundaries = [
  {
    name: "handoff/boundaries/core",
    files: ["packages/core/**"],
    ignores: TEST_FILES,
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(?!\\.{1,2}/)", message: "packages/core imports nothing: no package, no node builtin; only its own files." }] },
      ],
    },
  },
  {
    name: "handoff/boundaries/core-tests",
    files: TEST_FILES.map((glob) => `packages/core/${glob}`),
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(?!\\.{1,2}/|vitest$|fast-check$)", message: "packages/core's tests import only core, vitest and fast-check." }] },
      ],
    },
  },
  {
    name: "handoff/boundaries/protocol",
    files: ["packages/protocol/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^@handoff/(?!core(?:/|$))", message: "packages/protocol imports only @handoff/core among our packages (never an app)." }, noAppPaths] },
      ],
    },
  },
  {
    name: "handoff/boundaries/packages",
    files: ["packages/**"],
    ignores: ["packages/core/**", "packages/protocol/**"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [noApps, noAppPaths] }] },
  },
  {
    name: "handoff/boundaries/web",
    files: ["apps/web/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^@handoff/(?:api|server)(?:/|$)",
              allowTypeImports: true,
              message: "apps/web imports only types from @handoff/api (`import type`): the server's code never ships to the browser.",
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/.next/**", "**/coverage/**", "**/generated/**", "tests/lint-rules/.cycle-fixture-*/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node scripts and launchers.
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly" },
    },
  },
  {
    name: "handoff/no-import-cycle",
    files: SOURCE_FILES,
    plugins: { handoff: { rules: { "no-import-cycle": noImportCycle } } },
    rules: { "handoff/no-import-cycle": "error" },
  },
  {
    name: "handoff/react-hooks",
    files: ["apps/web/**/*.ts", "apps/web/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
  ...boundaries,
);
