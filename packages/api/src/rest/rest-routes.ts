/** An HTTP method a REST operation answers. */
export type RestMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A procedure offered as REST: `{name}` in the path is the input field of that name. */
export interface RestRoute {
  readonly procedure: string;
  readonly method: RestMethod;
  readonly path: string;
  readonly summary: string;
}

const route = (procedure: string, method: RestMethod, path: string, summary: string): RestRoute => ({ procedure, method, path, summary });

/**
 * The REST face of the tRPC procedures, one line each. A procedure not listed here is still offered, at
 * `POST /api/rpc/{procedure}` with its input as the body (`restRouteOf`), so a procedure added without a line
 * is never missing from the API or its document. GET inputs come from the query string (numbers and booleans
 * read by the input schema, arrays as repeated parameters); other methods take a JSON body.
 */
export const REST_ROUTES: readonly RestRoute[] = [
  route("auth.me", "GET", "/api/auth/me", "Who the token is"),
  route("auth.signInLink", "POST", "/api/auth/sign-in-links", "A one-time dashboard sign-in link for this token"),
  route("audit.list", "GET", "/api/audit", "The audit trail, newest first"),
  route("machines.list", "GET", "/api/machines", "Every known machine"),
  route("machines.catalogue", "GET", "/api/functions", "Functions offered by online machines"),
  route("machines.history", "GET", "/api/machines/history", "Load over the last 15 minutes"),
  route("machines.register", "POST", "/api/machines", "Register a machine by name and capacity"),
  route("machines.joinCommand", "POST", "/api/machines/join-command", "A fresh join token and the command that starts an agent"),
  route("machines.resourcesAvailable", "POST", "/api/machines/{name}/resources-available", "Whether a cost fits what is free on a machine now"),
  route("machines.drain", "POST", "/api/machines/{name}/drain", "No new tasks go to the machine"),
  route("machines.undrain", "POST", "/api/machines/{name}/undrain", "The machine takes tasks again"),
  route("machines.setAddress", "PUT", "/api/machines/{name}/address", "Override the host the machine's results are reached at"),
  route("machines.forget", "DELETE", "/api/machines/{name}", "Revoke the machine's identity and free its name"),
  route("dags.list", "GET", "/api/dags", "Saved DAGs"),
  route("dags.save", "POST", "/api/dags", "Save a DAG file as a new version"),
  route("dags.check", "POST", "/api/dags/check", "Validate a DAG against the live cluster and preview placement"),
  route("dags.get", "GET", "/api/dags/{name}", "A saved DAG's file (latest, or `version`)"),
  route("dags.versions", "GET", "/api/dags/{name}/versions", "A saved DAG's versions"),
  route("runs.list", "GET", "/api/runs", "Runs, newest first"),
  route("runs.start", "POST", "/api/runs", "Start a run of a DAG file or a saved DAG"),
  route("runs.execute", "POST", "/api/runs/execute", "Start a run and answer with its outcome when it ends"),
  route("runs.get", "GET", "/api/runs/{runId}", "A run with its DAG, tasks and outcome"),
  route("runs.wait", "GET", "/api/runs/{runId}/wait", "Wait (up to timeoutMs) for a run to end; the REST counterpart of runs.watch"),
  route("runs.cancel", "POST", "/api/runs/{runId}/cancel", "Cancel a run"),
  route("runs.rerun", "POST", "/api/runs/{runId}/rerun", "Start the same DAG again with the same options"),
  route("runs.timeline", "GET", "/api/runs/{runId}/timeline", "Every attempt with its machine, timings and transfers"),
  route("runs.logs", "GET", "/api/runs/{runId}/logs", "A run's log lines, a page at a time"),
  route("runs.attempts", "GET", "/api/runs/{runId}/tasks/{taskId}/attempts", "A task's attempts"),
  route("results.get", "GET", "/api/results/{runId}/{taskId}/reference", "Where a result lives (waits up to timeoutMs for it)"),
  route("results.value", "GET", "/api/results/{runId}/{taskId}/value", "A result's value as JSON (bytes as { $bytes: base64 })"),
  route("results.lookup", "GET", "/api/results/{runId}/{taskId}/location", "The machine holding a result"),
  route("results.registerLocation", "PUT", "/api/results/{runId}/{taskId}/location", "Record that a machine holds a result"),
  route("results.store", "POST", "/api/results/{runId}/{taskId}/store", "Store a value on a machine"),
  route("results.recompute", "POST", "/api/results/{runId}/{taskId}/recompute", "Recompute a lost result from lineage"),
  route("functions.list", "GET", "/api/function-bundles", "Pushed function bundles, newest first, with what each defines"),
  route("functions.versions", "GET", "/api/function-bundles/versions", "Which machine offers which version of each function"),
  route("functions.push", "POST", "/api/function-bundles", "Push a bundled function module (admins)"),
  route("tokens.list", "GET", "/api/tokens", "API tokens (never their secrets)"),
  route("tokens.create", "POST", "/api/tokens", "Create a token (its secret is shown once)"),
  route("tokens.revoke", "DELETE", "/api/tokens/{id}", "Revoke a token"),
  route("schedules.list", "GET", "/api/dags/{dag}/schedules", "A saved DAG's cron schedules"),
  route("schedules.create", "POST", "/api/schedules", "A cron schedule (with a time zone) for a saved DAG"),
  route("schedules.get", "GET", "/api/schedules/{id}", "A schedule and its next firing"),
  route("schedules.update", "PUT", "/api/schedules/{id}", "Change a schedule"),
  route("schedules.delete", "DELETE", "/api/schedules/{id}", "Delete a schedule"),
  route("schedules.history", "GET", "/api/schedules/{id}/history", "A schedule's firings and the runs they started"),
  route("webhooks.list", "GET", "/api/dags/{dag}/webhooks", "A saved DAG's webhooks (never their tokens)"),
  route("webhooks.create", "POST", "/api/webhooks", "A webhook for a saved DAG (its URL and HMAC key are shown once)"),
  route("webhooks.update", "PUT", "/api/webhooks/{id}", "Turn a webhook off or on"),
  route("webhooks.delete", "DELETE", "/api/webhooks/{id}", "Delete a webhook"),
  route("webhooks.history", "GET", "/api/webhooks/{id}/history", "A webhook's latest requests and the runs they started"),
];

const BY_PROCEDURE = new Map(REST_ROUTES.map((entry) => [entry.procedure, entry]));

/** The route of a procedure: its line in `REST_ROUTES`, else `POST /api/rpc/{procedure}`. */
export function restRouteOf(procedure: string): RestRoute {
  return BY_PROCEDURE.get(procedure) ?? route(procedure, "POST", `/api/rpc/${procedure}`, procedure);
}

/** The `{name}`s of a path, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}
