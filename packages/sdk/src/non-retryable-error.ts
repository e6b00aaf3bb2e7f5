/**
 * The brand that marks an error as not worth a retry. `Symbol.for` so that it survives two copies of the SDK
 * (the agent's and a function module's own), where `instanceof` would not.
 */
const NON_RETRYABLE = Symbol.for("handoff.nonRetryable");

/**
 * Thrown inside a function, ends the task at once: the attempt fails with the kind `non_retryable` and no
 * further attempt starts, whatever `maxRetries` says. Use it for failures a retry cannot fix (wrong
 * arguments, a missing file the task names); the standard library throws it when it refuses its inputs.
 * @example
 * if (!Array.isArray(rows)) throw new NonRetryableError(`rows must be a list, got ${typeof rows}`);
 */
export class NonRetryableError extends Error {
  override readonly name = "NonRetryableError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, NON_RETRYABLE, { value: true });
  }
}

/** Whether a retry cannot fix `error`: a `NonRetryableError`, from any copy of the SDK. */
export function isNonRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[NON_RETRYABLE] === true;
}
