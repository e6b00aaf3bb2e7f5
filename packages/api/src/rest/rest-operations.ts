import { z } from "zod";
import type { AnyRouter } from "@trpc/server";
import { pathParameters, restRouteOf, type RestRoute } from "./rest-routes.ts";

/** A JSON Schema object as `z.toJSONSchema` writes it. */
export type JsonSchema = Record<string, unknown>;

/** One procedure as a REST operation: its route, its schemas, and how to read a request into its input. */
export interface RestOperation extends RestRoute {
  readonly type: "query" | "mutation";
  readonly pathParams: readonly string[];
  /** The input's JSON Schema (`undefined`: the procedure takes no input). */
  readonly inputSchema: JsonSchema | undefined;
  /** The output's JSON Schema (`undefined`: the procedure has no `.output()`). */
  readonly outputSchema: JsonSchema | undefined;
  readonly pattern: RegExp;
}

interface ProcedureDef {
  readonly type: "query" | "mutation" | "subscription";
  readonly inputs: readonly unknown[];
  readonly output?: unknown;
}

/**
 * Every query and mutation of the router as a REST operation (subscriptions have none: `runs.wait` is the
 * REST way to follow a run), literal paths before ones with parameters so `/api/machines/history` is not a name.
 */
export function restOperations(router: AnyRouter): RestOperation[] {
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDef }>;
  const operations: RestOperation[] = [];
  for (const [name, procedure] of Object.entries(procedures)) {
    const def = procedure._def;
    if (def.type === "subscription") continue;
    const route = restRouteOf(name);
    const input = def.inputs.length === 0 ? undefined : def.inputs.length === 1 ? def.inputs[0] : def.inputs.reduce((a, b) => z.intersection(a as z.ZodType, b as z.ZodType));
    operations.push({
      ...route,
      type: def.type,
      pathParams: pathParameters(route.path),
      inputSchema: input instanceof z.ZodType ? toJsonSchema(input, "input") : undefined,
      outputSchema: def.output instanceof z.ZodType ? toJsonSchema(def.output, "output") : undefined,
      pattern: new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "([^/]+)")}$`),
    });
  }
  return operations.sort((a, b) => a.pathParams.length - b.pathParams.length);
}

function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  // A custom type (a JSON value checked in code) has no JSON Schema: it is shown as "any JSON".
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

/** The operation a request names, with its path parameters; `allowed` lists the methods of a path matched with another method. */
export function matchRestOperation(
  operations: readonly RestOperation[],
  method: string,
  pathname: string,
): { readonly operation: RestOperation; readonly params: Record<string, string> } | { readonly operation: undefined; readonly allowed: readonly string[] } {
  const allowed: string[] = [];
  for (const operation of operations) {
    const match = operation.pattern.exec(pathname);
    if (!match) continue;
    if (operation.method !== method) {
      allowed.push(operation.method);
      continue;
    }
    const params: Record<string, string> = {};
    operation.pathParams.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1]!);
    });
    return { operation, params };
  }
  return { operation: undefined, allowed };
}

/**
 * A request's input: path parameters, then the query string (GET, DELETE) read by the input schema (numbers and
 * booleans converted, arrays repeated) or the JSON body. Whatever it yields, the procedure's zod input checks it.
 */
export function restInput(operation: RestOperation, params: Record<string, string>, query: URLSearchParams, body: unknown): unknown {
  if (operation.inputSchema === undefined) return undefined;
  const properties = (operation.inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  const fromPath = Object.fromEntries(Object.entries(params).map(([name, value]) => [name, fromText(value, properties[name])]));
  if (operation.method === "GET" || operation.method === "DELETE") {
    const fromQuery: Record<string, unknown> = {};
    for (const name of new Set(query.keys())) {
      const schema = properties[name];
      fromQuery[name] = typesOf(schema).has("array") ? query.getAll(name).map((value) => fromText(value, itemsOf(schema))) : fromText(query.get(name)!, schema);
    }
    return { ...fromQuery, ...fromPath };
  }
  if (body === undefined) return Object.keys(fromPath).length === 0 ? undefined : fromPath;
  return body !== null && typeof body === "object" && !Array.isArray(body) ? { ...body, ...fromPath } : body;
}

function typesOf(schema: JsonSchema | undefined): Set<string> {
  if (schema === undefined) return new Set();
  const own = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === "string" ? [schema.type] : [];
  const alternatives = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).flatMap((option) => [...typesOf(option)]) : [];
  return new Set([...own, ...alternatives]);
}

function itemsOf(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema === undefined) return undefined;
  if (schema.items !== undefined) return schema.items as JsonSchema;
  const withItems = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).find((option) => option.items !== undefined) : undefined;
  return withItems?.items as JsonSchema | undefined;
}

function fromText(value: string, schema: JsonSchema | undefined): unknown {
  const types = typesOf(schema);
  if ((types.has("number") || types.has("integer")) && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (types.has("boolean") && (value === "true" || value === "false")) return value === "true";
  if (types.has("null") && value === "null") return null;
  return value;
}
