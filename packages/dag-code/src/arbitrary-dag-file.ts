// fast-check generators of valid DAG files, for the round-trip properties (test-only).
import { Bounds, RETRYABLE_ERROR_KINDS, type NumberBound } from "@handoff/core";
import { FUNCTION_NAME_PATTERN, type DagFile, type JsonValue, type ParamSchema, type TaskJson } from "@handoff/protocol";
import fc from "fast-check";

/** Any UTF-16 text, lone surrogates and line separators included: the exporter must escape all of it. */
const text = (maxLength: number, minLength = 0) => fc.string({ unit: "binary", minLength, maxLength });

const bounded = (bound: NumberBound) =>
  bound.integer
    ? fc.integer({ min: bound.min + (bound.minExclusive === true ? 1 : 0), max: Math.min(bound.max, Number.MAX_SAFE_INTEGER) })
    : fc.double({ min: bound.min, max: bound.max, noNaN: true, noDefaultInfinity: true, minExcluded: bound.minExclusive === true });

const fnName = fc.stringMatching(FUNCTION_NAME_PATTERN).filter((name) => name.length <= 200);

/** JSON values plus the encodings that must survive: `$bytes` fields, `__proto__` keys, -0, huge and tiny numbers. */
const jsonValue: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue> },
  { weight: 1, arbitrary: fc.base64String({ maxLength: 16 }).map((b64) => ({ $bytes: b64 })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.parse(`{"__proto__":${JSON.stringify(v)},"a":1}`) as JsonValue) },
  { weight: 1, arbitrary: fc.constantFrom<JsonValue>(-0, 1e21, 5e-324, -1.7976931348623157e308, 0x1fffffffffffff, "\u2028", "${x}`") },
);

const transform = fc.record({ fn: fnName, args: fc.array(jsonValue, { maxLength: 2 }) }, { requiredKeys: ["fn"] });

/** A run parameter of each type, with a default of that type (sometimes) and a description; keys in the order the schema reads them. */
const paramSchema: fc.Arbitrary<ParamSchema> = fc.oneof(
  fc.record({ type: fc.constant("integer" as const), default: fc.nat(1000), minimum: fc.constant(0) }, { requiredKeys: ["type"] }),
  fc.record({ type: fc.constant("number" as const), default: fc.double({ noNaN: true, noDefaultInfinity: true }) }, { requiredKeys: ["type"] }),
  fc.record({ type: fc.constant("string" as const), description: text(40), default: text(10) }, { requiredKeys: ["type"] }),
  fc.record({ type: fc.constant("boolean" as const), default: fc.boolean() }, { requiredKeys: ["type"] }),
  fc.record({ type: fc.constant("array" as const), default: fc.array(fc.integer(), { maxLength: 3 }), items: fc.constant({ type: "integer" }) }, { requiredKeys: ["type"] }),
  fc.record({ type: fc.constant("object" as const), title: text(20) }, { requiredKeys: ["type"] }),
);

/** Extra args that sometimes refer to a parameter, at the top or nested in an object. */
function extraArgs(params: readonly string[]): fc.Arbitrary<JsonValue[]> {
  if (params.length === 0) return fc.array(jsonValue, { maxLength: 3 });
  const ref = fc.constantFrom(...params).map((name): JsonValue => ({ $param: name }));
  return fc.array(fc.oneof(jsonValue, ref, ref.map((inner): JsonValue => ({ nested: [1, inner] }))), { maxLength: 3 });
}

function arbitraryTask(ids: readonly string[], id: string, params: readonly string[]): fc.Arbitrary<TaskJson> {
  const someId = fc.constantFrom(...ids);
  const edgeArg = fc.oneof(someId, fc.record({ from: someId, encode: transform, decode: transform }, { requiredKeys: ["from"] }));
  const arg = params.length === 0 ? edgeArg : fc.oneof(edgeArg, fc.constantFrom(...params).map((param) => ({ param })));
  return fc.record(
    {
      id: fc.constant(id),
      fn: fnName,
      args: fc.array(arg, { maxLength: 3 }),
      extraArgs: extraArgs(params),
      argumentInclusion: fc.constantFrom("variadic" as const, "as_list" as const),
      type: fc.constantFrom("regular" as const, "inline" as const),
      placement: fc.oneof(
        fc.constant({ kind: "auto" as const }),
        text(20, 1).map((machine) => ({ kind: "pinned" as const, machine })),
        someId.map((other) => ({ kind: "collocated" as const, with: other })),
      ),
      cost: fc.dictionary(text(8, 1), bounded(Bounds.capacity), { maxKeys: 3 }),
      maxRetries: bounded(Bounds.maxRetries),
      retryBackoff: fc.record(
        { initialMs: bounded(Bounds.backoffInitialMs), factor: bounded(Bounds.backoffFactor), maxMs: bounded(Bounds.backoffMaxMs) },
        { requiredKeys: ["initialMs"] },
      ),
      retryOn: fc.subarray([...RETRYABLE_ERROR_KINDS]),
      timeoutMs: bounded(Bounds.timeoutMs),
      position: fc.record({ x: fc.double({ noNaN: true, noDefaultInfinity: true }), y: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
      label: text(30),
    },
    { requiredKeys: ["id", "fn"] },
  );
}

/** A DAG file that `parseDagFile` accepts: 0–8 tasks with unique ids, every optional field sometimes present. */
export const arbitraryDagFile: fc.Arbitrary<DagFile> = fc
  .tuple(fc.uniqueArray(text(12, 1), { maxLength: 8 }), fc.uniqueArray(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/), { maxLength: 3 }))
  .chain(([ids, paramNames]) =>
    fc.record(
      {
        format: fc.constant("handoff.dag" as const),
        version: fc.constant(1 as const),
        name: text(40, 1),
        description: text(80),
        strategy: fc.constantFrom("first_available" as const, "load_balanced" as const),
        onFailure: fc.constantFrom("fail_fast" as const, "continue" as const),
        ...(paramNames.length === 0 ? {} : { params: fc.tuple(...paramNames.map((name) => paramSchema.map((schema) => [name, schema] as const))).map((entries) => Object.fromEntries(entries)) }),
        tasks: ids.length === 0 ? fc.constant([]) : fc.tuple(...ids.map((id) => arbitraryTask(ids, id, paramNames))),
      },
      { requiredKeys: ["format", "version", "name", "tasks", ...(paramNames.length > 0 ? (["params"] as const) : [])] },
    ),
  );
