import type { FunctionMeta } from "@handoff/protocol";
import type { HandoffFunction } from "./handoff-function.ts";

/** Thrown when two different pieces of code claim one function name. */
export class DuplicateFunctionError extends Error {
  override readonly name = "DuplicateFunctionError";
  readonly functionName: string;
  constructor(functionName: string, firstHash: string, secondHash: string) {
    super(
      `function "${functionName}" is defined twice with different code (code hashes ${firstHash.slice(0, 12)} and ${secondHash.slice(0, 12)}); rename one of them`,
    );
    this.functionName = functionName;
  }
}

/**
 * The functions one process offers, by name. Immutable: `merge` returns a new registry. The same
 * function (same name and code hash) may appear twice; different code under one name is an error.
 * @example
 * const registry = defineFunctions(resize, thumbnail).merge(stdFunctions);
 * registry.get("image.resize")?.run(image, 64);
 */
export class FunctionRegistry implements Iterable<HandoffFunction> {
  readonly #byName = new Map<string, HandoffFunction>();

  constructor(functions: Iterable<HandoffFunction> = []) {
    for (const fn of functions) {
      const existing = this.#byName.get(fn.meta.name);
      if (existing === undefined) this.#byName.set(fn.meta.name, fn);
      else if (existing.meta.codeHash !== fn.meta.codeHash) {
        throw new DuplicateFunctionError(fn.meta.name, existing.meta.codeHash, fn.meta.codeHash);
      }
    }
  }

  get(name: string): HandoffFunction | undefined {
    return this.#byName.get(name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  get size(): number {
    return this.#byName.size;
  }

  /** Function names, sorted. */
  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  /** Catalogue entries (what an agent announces), sorted by name. */
  list(): FunctionMeta[] {
    return this.names().map((name) => (this.#byName.get(name) as HandoffFunction).meta);
  }

  /** A new registry with both sets of functions; throws `DuplicateFunctionError` on a clash. */
  merge(other: Iterable<HandoffFunction>): FunctionRegistry {
    return new FunctionRegistry([...this, ...other]);
  }

  [Symbol.iterator](): Iterator<HandoffFunction> {
    return this.#byName.values();
  }
}
