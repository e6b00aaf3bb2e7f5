/** Bare specifiers a function module may import without having its own node_modules (unlisted subpaths are refused). */
export declare const PROVIDED_PACKAGES: readonly string[];
