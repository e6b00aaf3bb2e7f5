import { z } from "zod";

/** Dot-separated segments of letters, digits, `_` and `-`: `std.sum`, `image.resize`, `my-lib.v2.encode_png`. */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
export const MAX_NAME_LENGTH = 200;

/** A function's name as it travels on the wire (task `fn`, edge transform `fn`, catalogue `name`). */
export const FunctionNameText = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`)
  .regex(FUNCTION_NAME_PATTERN, 'must be dot-separated segments of letters, digits, "_" or "-" (e.g. "std.sum")');
export type FunctionNameText = z.infer<typeof FunctionNameText>;

/**
 * The namespace of a function: the text before its last `.` (`"image"` for `"image.resize"`, `""` for `"sum"`).
 * @example functionNamespace("std.identity_edge") // "std"
 */
export function functionNamespace(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot === -1 ? "" : name.slice(0, dot);
}
