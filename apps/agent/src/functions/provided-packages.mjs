// Plain JavaScript: read by the executor worker before any TypeScript loader exists, and by the single-file bundle.
/** Bare specifiers a function module may import without having its own node_modules (unlisted subpaths are refused). */
export const PROVIDED_PACKAGES = ["@handoff/sdk", "@handoff/protocol", "zod"];
