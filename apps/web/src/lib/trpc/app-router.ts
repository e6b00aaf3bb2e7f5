// The one place the router type enters the dashboard: a type-only import, no server code is bundled.
export type { AppRouter } from "@handoff/api";
