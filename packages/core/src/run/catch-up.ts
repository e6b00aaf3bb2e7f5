/**
 * What a schedule does with the times it missed while no server ran it: fire none, the newest missed one, or the
 * newest `catchUpLimit` missed ones (see ARCHITECTURE.md, "catch-up").
 */
export const CATCH_UP_POLICIES = ["none", "latest", "all"] as const;

export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];
