import { z } from "zod";
import { FunctionNameText, functionNamespace } from "./function-name.ts";

/**
 * How a function receives one input: whole (`value`, the default), as a Node `Readable` of the value's stored bytes
 * (`stream`), or as the path of a read-only file holding them (`path`). The bytes are the value's encoding: a
 * `Uint8Array` result's raw bytes, anything else its UTF-8 JSON. A value larger than memory reaches a function only
 * this way (a whole value is read into memory first).
 */
export const InputDelivery = z.enum(["value", "stream", "path"]);
export type InputDelivery = z.infer<typeof InputDelivery>;

/**
 * How a function takes the results of the tasks it depends on: any number of them (`variadic`), or a
 * fixed list the editor can draw as named input handles. `as` says how inputs are delivered (see `InputDelivery`):
 * one choice for every input of a variadic function, or per name for named inputs (unnamed ones come whole).
 */
export const FunctionInputs = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("variadic"), description: z.string().optional(), as: InputDelivery.optional() }),
  z
    .strictObject({ kind: z.literal("named"), names: z.array(z.string().min(1)), as: z.record(z.string(), InputDelivery).optional() })
    .superRefine((inputs, ctx) => {
      for (const name of Object.keys(inputs.as ?? {})) {
        if (!inputs.names.includes(name)) ctx.addIssue({ code: "custom", path: ["as", name], message: `is not one of the input names (${inputs.names.join(", ") || "none"})` });
      }
    }),
]);
export type FunctionInputs = z.infer<typeof FunctionInputs>;

/**
 * How the input at `index` (its position in the task's `args`) is delivered to a function with these inputs.
 * @example
 * inputDelivery({ kind: "named", names: ["data", "config"], as: { data: "stream" } }, 0); // "stream"
 */
export function inputDelivery(inputs: FunctionInputs | undefined, index: number): InputDelivery {
  if (inputs === undefined) return "value";
  if (inputs.kind === "variadic") return inputs.as ?? "value";
  const name = inputs.names[index];
  return name === undefined ? "value" : (inputs.as?.[name] ?? "value");
}

export const FunctionKind = { Function: "function", Transform: "transform" } as const;
export type FunctionKind = (typeof FunctionKind)[keyof typeof FunctionKind];

/**
 * A function's catalogue entry: plain data an agent announces, the server stores and the editor lists.
 * `namespace` is the text before the last `.` of `name`; `params` is a JSON Schema for the extra args (each
 * parameter with a `title`, so the editor can draw a form); `returns` a JSON Schema of what it returns;
 * `codeHash` changes when the code does, so two agents offering different code under one name can be told apart.
 * @example
 * FunctionMeta.parse({ name: "std.sum", namespace: "std", inputs: { kind: "variadic" }, codeHash: "9f2c…" });
 */
export const FunctionMeta = z
  .strictObject({
    name: FunctionNameText,
    description: z.string().max(10_000).optional(),
    namespace: z.string(),
    inputs: FunctionInputs,
    params: z.record(z.string(), z.unknown()).optional(),
    returns: z.record(z.string(), z.unknown()).optional(),
    defaultCost: z.record(z.string().min(1), z.number()).optional(),
    codeHash: z.string().min(1, "must not be empty").max(200),
    kind: z.enum(["function", "transform"]).optional(),
  })
  .superRefine((meta, ctx) => {
    const expected = functionNamespace(meta.name);
    if (meta.namespace !== expected) {
      ctx.addIssue({ code: "custom", path: ["namespace"], message: `must be ${JSON.stringify(expected)} (the text before the last "." of the name)` });
    }
  });
export type FunctionMeta = z.infer<typeof FunctionMeta>;
