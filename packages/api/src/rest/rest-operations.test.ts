import { describe, expect, it } from "vitest";
import { appRouter } from "../router.ts";
import { REST_ROUTES } from "./rest-routes.ts";
import { matchRestOperation, restInput, restOperations } from "./rest-operations.ts";

const operations = restOperations(appRouter);

describe("the REST operations of the router", () => {
  it("give every query and mutation an output schema (what REST and the OpenAPI document answer with)", () => {
    const withoutOutput = operations.filter((operation) => operation.outputSchema === undefined).map((operation) => operation.procedure);
    expect(withoutOutput).toEqual([]);
  });

  it("name only procedures that exist, each at its own method and path", () => {
    const names = new Set(operations.map((operation) => operation.procedure));
    expect(REST_ROUTES.filter((route) => !names.has(route.procedure)).map((route) => route.procedure)).toEqual([]);
    const keys = operations.map((operation) => `${operation.method} ${operation.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Each path parameter is a field of the procedure's input.
    for (const operation of operations) {
      for (const name of operation.pathParams) expect(Object.keys((operation.inputSchema?.properties ?? {}) as object)).toContain(name);
    }
  });

  it("match a literal path before a parameter, and say which methods another path answers", () => {
    const history = matchRestOperation(operations, "GET", "/api/machines/history");
    expect(history.operation?.procedure).toBe("machines.history");
    const drain = matchRestOperation(operations, "POST", "/api/machines/gpu%201/drain");
    expect(drain.operation?.procedure).toBe("machines.drain");
    expect(drain.operation && "params" in drain ? drain.params : undefined).toEqual({ name: "gpu 1" });
    const wrong = matchRestOperation(operations, "PATCH", "/api/runs");
    expect(wrong.operation).toBeUndefined();
    expect(!wrong.operation && "allowed" in wrong ? [...wrong.allowed].sort() : []).toEqual(["GET", "POST"]);
  });

  it("read a query string by the input schema: numbers, booleans and repeated arrays", () => {
    const wait = operations.find((operation) => operation.procedure === "runs.wait")!;
    expect(restInput(wait, { runId: "r1" }, new URLSearchParams("timeoutMs=250"), undefined)).toEqual({ runId: "r1", timeoutMs: 250 });
    const audit = operations.find((operation) => operation.procedure === "audit.list")!;
    expect(restInput(audit, {}, new URLSearchParams("kinds=token.created&kinds=auth.failed&limit=5"), undefined)).toEqual({ kinds: ["token.created", "auth.failed"], limit: 5 });
    // Text that is not a number stays text: the procedure's schema then names the field.
    expect(restInput(wait, { runId: "r1" }, new URLSearchParams("timeoutMs=soon"), undefined)).toEqual({ runId: "r1", timeoutMs: "soon" });
    const cancel = operations.find((operation) => operation.procedure === "runs.cancel")!;
    expect(restInput(cancel, { runId: "r1" }, new URLSearchParams(), undefined)).toEqual({ runId: "r1" });
    const start = operations.find((operation) => operation.procedure === "runs.start")!;
    expect(restInput(start, {}, new URLSearchParams(), { dag: { name: "d" } })).toEqual({ dag: { name: "d" } });
  });
});
