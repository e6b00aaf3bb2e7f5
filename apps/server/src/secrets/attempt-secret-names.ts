import { secretNamesIn, type CompiledDag } from "@handoff/core";

/**
 * The secrets one attempt of task `index` may ask for: those its own `extraArgs` refer to and those of the inline
 * tasks it evaluates (transitively), since they run inside it on the same agent.
 * @example attemptSecretNames(run.compiled, 2) // Set { "warehouse" }
 */
export function attemptSecretNames(compiled: CompiledDag, index: number): Set<string> {
  const names = new Set<string>();
  const seen = new Set<number>();
  const stack = [index];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const task = compiled.tasks[current];
    if (task === undefined) continue;
    for (const name of secretNamesIn(task.spec.extraArgs ?? [])) names.add(name);
    for (const input of task.inputs) if (compiled.tasks[input.source]?.isInline === true) stack.push(input.source);
  }
  return names;
}
