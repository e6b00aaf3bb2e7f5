import { z } from "zod";
import { FunctionNameText, functionNamespace } from "./function-name.ts";

/**
 * How a function takes the results of the tasks it depends on: any number of them (`variadic`), or a
 * fixed list the editor can draw as named input handles.
 */
export const FunctionInputs = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("variadic"), description: z.string().optional() }),
  z.strictObject({ kind: z.literal("named"), names: z.array(z.string().min(1)) }),
]);
export type FunctionInputs = z.infer<typeof FunctionInputs>;

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
