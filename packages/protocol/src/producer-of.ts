// Zod-free on purpose: the dashboard's layout worker reads task inputs through this module only, so it never loads
// the schemas (zod and the DAG file schema made up most of the worker's start-up before a large import's layout).

/** A parameter input as dag-params.ts's `ParamArgJson` parses it (named here by shape: that module imports this one). */
type ParamArg = { param: string };

/** Whether a task argument is a parameter input (`{ param: "n" }`) rather than a producer. */
export function isParamArg(arg: unknown): arg is ParamArg {
  return arg !== null && typeof arg === "object" && !Array.isArray(arg) && Object.keys(arg).length === 1 && typeof (arg as { param?: unknown }).param === "string";
}

/** The producer a DAG file's task argument reads from: its id, or null for a parameter input (no producer). */
export function producerOf(arg: string | { readonly from: string } | ParamArg): string | null {
  if (typeof arg === "string") return arg;
  return "from" in arg ? arg.from : null;
}
