import type { InputDelivery, TaskErrorJson, WireInput } from "@handoff/protocol";
import type { ResolvedInput } from "./worker-messages.ts";

export type ResultInput = Extract<WireInput, { kind: "result" }>;

/**
 * A stored value for one `result` input; `isEncoded` when the holder already ran the edge's encode step. An input taken
 * as a stream or a file comes as `stored` (the file's path, or the bytes the store holds in memory), never decoded.
 */
export type InputValue =
  | { readonly ok: true; readonly value: unknown; readonly isEncoded: boolean }
  | { readonly ok: true; readonly stored: { readonly as: "stream" | "path"; readonly path?: string | undefined; readonly bytes?: Uint8Array | undefined }; readonly isEncoded: boolean }
  | { readonly ok: false; readonly error: TaskErrorJson };

/**
 * Replaces every `result` input of an assign item (inline tasks' inputs included) with its value, fetched through
 * `getValue`, so the worker only evaluates. Values are fetched concurrently; the first failure wins.
 */
export async function resolveInputs(
  inputs: readonly WireInput[],
  getValue: (input: ResultInput, as: InputDelivery) => Promise<InputValue>,
  /** How the function takes its input at this position of its args (inline tasks' own inputs always come whole). */
  deliveryOf: (index: number) => InputDelivery = () => "value",
): Promise<{ ok: true; inputs: ResolvedInput[] } | { ok: false; error: TaskErrorJson }> {
  let failure: TaskErrorJson | undefined;
  const resolveOne = async (input: WireInput, index?: number): Promise<ResolvedInput> => {
    switch (input.kind) {
      case "result": {
        const got = await getValue(input, index === undefined ? "value" : deliveryOf(index));
        if (!got.ok) {
          failure ??= got.error;
          return { kind: "value", taskId: input.taskId, source: input.machine, value: null };
        }
        if ("stored" in got) {
          return {
            kind: "stored",
            taskId: input.taskId,
            source: input.machine,
            ...got.stored,
            encode: got.isEncoded ? undefined : input.encode,
            decode: input.decode,
          };
        }
        return {
          kind: "value",
          taskId: input.taskId,
          source: input.machine,
          value: got.value,
          encode: got.isEncoded ? undefined : input.encode,
          decode: input.decode,
        };
      }
      case "inline":
        return {
          kind: "inline",
          taskId: input.taskId,
          fn: input.fn,
          inputs: await Promise.all(input.inputs.map((nested) => resolveOne(nested))),
          extraArgs: input.extraArgs,
          argumentInclusion: input.argumentInclusion,
          encode: input.encode,
          decode: input.decode,
        };
    }
  };
  const resolved = await Promise.all(inputs.map((input, index) => resolveOne(input, index)));
  return failure === undefined ? { ok: true, inputs: resolved } : { ok: false, error: failure };
}
