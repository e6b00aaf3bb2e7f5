import { z } from "zod";
import { ApiErrorBody } from "@handoff/protocol";
import type { JsonSchema, RestOperation } from "./rest-operations.ts";

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  /** The origin clients call (`HANDOFF_PUBLIC_URL`, else where the server listens). */
  readonly serverUrl: string;
}

const ERROR_REF = { $ref: "#/components/schemas/ApiError" };
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ERROR_REF } } });

/**
 * The OpenAPI 3.1 document of the REST operations (schemas are JSON Schema 2020-12, as 3.1 takes them), plus the
 * raw result download. Every error answers `{ error: ApiErrorBody }`.
 */
export function openApiDocument(operations: readonly RestOperation[], options: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    (paths[operation.path] ??= {})[operation.method.toLowerCase()] = describeOperation(operation);
  }
  paths["/api/results/{runId}/{taskId}"] = { get: RAW_RESULT };
  const { $schema: _dialect, ...apiError } = z.toJSONSchema(ApiErrorBody) as JsonSchema;
  return {
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version,
      description:
        "Handoff's API as REST: the same procedures as the tRPC API at /api/trpc, with the same bearer tokens (Authorization: Bearer …). " +
        "Follow a run with GET /api/runs/{runId}/wait. Errors answer { error: { kind, message, details } } with the kind's HTTP status.",
    },
    servers: [{ url: options.serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An admin or user token (`handoff tokens create NAME --kind user`)" } },
      schemas: { ApiError: { type: "object", properties: { error: apiError }, required: ["error"] } },
    },
    paths,
  };
}

function describeOperation(operation: RestOperation): Record<string, unknown> {
  const input = operation.inputSchema;
  const properties = (input?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input?.required ?? []) as string[]);
  const parameters: Record<string, unknown>[] = operation.pathParams.map((name) => ({ name, in: "path", required: true, schema: properties[name] ?? { type: "string" } }));
  let requestBody: Record<string, unknown> | undefined;
  if (input !== undefined && (operation.method === "GET" || operation.method === "DELETE")) {
    for (const [name, schema] of Object.entries(properties)) {
      if (!operation.pathParams.includes(name)) parameters.push({ name, in: "query", required: required.has(name), schema });
    }
  } else if (input !== undefined) {
    const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !operation.pathParams.includes(name)));
    const bodyRequired = [...required].filter((name) => !operation.pathParams.includes(name));
    const schema = input.properties === undefined ? input : { ...input, properties: bodyProperties, ...(bodyRequired.length > 0 ? { required: bodyRequired } : { required: undefined }) };
    requestBody = { required: bodyRequired.length > 0, content: { "application/json": { schema: JSON.parse(JSON.stringify(schema)) as unknown } } };
  }
  return {
    operationId: operation.procedure,
    summary: operation.summary,
    tags: [operation.procedure.split(".")[0]],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      "200": { description: "OK", content: { "application/json": { schema: operation.outputSchema ?? {} } } },
      "400": errorResponse("The input is invalid; the message names each field (`dag.file.tasks[0].fn: …`)"),
      "401": errorResponse("No valid token"),
      "403": errorResponse("The token may not do this"),
      "404": errorResponse("Not found"),
      "413": errorResponse("The body is over the limit"),
      default: errorResponse("Another failure, its kind from the error catalogue"),
    },
  };
}

const RAW_RESULT = {
  operationId: "results.download",
  summary: "A result's raw value, streamed from the machine that holds it",
  tags: ["results"],
  parameters: [
    { name: "runId", in: "path", required: true, schema: { type: "string" } },
    { name: "taskId", in: "path", required: true, schema: { type: "string" } },
    { name: "fromMachine", in: "query", required: false, schema: { type: "string" } },
  ],
  responses: {
    "200": {
      description: "The value: JSON, or bytes (`X-Handoff-Encoding` says which)",
      content: { "application/json": { schema: {} }, "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } },
    },
    "401": errorResponse("No valid token"),
    "404": errorResponse("No such result"),
    default: errorResponse("The value is lost, evicted or its machine is offline (the kind says which)"),
  },
};
