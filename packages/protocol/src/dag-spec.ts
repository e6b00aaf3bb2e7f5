import type { DagSpec, TaskArg, TaskSpec } from "@handoff/core";
import { bindForCheck } from "./bind-params.ts";
import type { DagFile, TaskJson } from "./dag-file.ts";
import { isParamArg } from "./dag-params.ts";

/**
 * The run-time view of a DAG file: the same tasks without editor-only fields. A file with parameters is first
 * bound with check-only values (`bindForCheck`): a run binds the real ones with `bindParams` before this.
 */
export function toDagSpec(file: DagFile): DagSpec {
  return { tasks: bindForCheck(file).tasks.map(toTaskSpec) };
}

/** Drops `position` and `label`, keeping every other field as written. A parameter input must be bound first. */
export function toTaskSpec(task: TaskJson): TaskSpec {
  const { position: _position, label: _label, args, ...spec } = task;
  if (args === undefined) return spec;
  return {
    ...spec,
    args: args.map((arg): TaskArg => {
      if (isParamArg(arg)) throw new Error(`task "${task.id}": param "${arg.param}" is not bound (bindParams first)`);
      return arg;
    }),
  };
}
