import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { AppRouter } from "./app-router.ts";

/** Same origin as the page: the session cookie travels with every request and every event stream. */
export const API_URL = "/api/trpc";

export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: API_URL }),
        // Queries go as POST (the server allows the override): an input as long as a 1,000-task DAG (dags.check)
        // does not fit in a URL.
        false: httpBatchLink({ url: API_URL, methodOverride: "POST" }),
      }),
    ],
  });
}
