import { EXAMPLE_DAG_FILES } from "@handoff/examples/dags";
import { DagFile } from "@handoff/protocol";

/** The example DAGs shipped in `examples/` (parsed once), for the editor's Open… menu. */
export const EXAMPLE_DAGS: readonly DagFile[] = EXAMPLE_DAG_FILES.map((file) => DagFile.parse(file));

/** The machine name the examples pin to: the in-process executor's, replaced by the cluster's local machine. */
const EXAMPLE_PIN = "local";

/**
 * An example made to run "as it is" on this cluster: a task pinned to `local` is pinned to the machine the
 * server marks local (else the first online one) when no machine is called `local`.
 * @example forCluster(pinningExample, [{ name: "laptop", local: true, status: "online" }]).tasks[0].placement // { kind: "pinned", machine: "laptop" }
 */
export function forCluster(file: DagFile, machines: readonly { readonly name: string; readonly local: boolean; readonly status: string }[]): DagFile {
  if (machines.some((machine) => machine.name === EXAMPLE_PIN)) return file;
  const target = machines.find((machine) => machine.local && machine.status !== "offline") ?? machines.find((machine) => machine.status === "online");
  if (target === undefined) return file;
  return {
    ...file,
    tasks: file.tasks.map((task) => (task.placement?.kind === "pinned" && task.placement.machine === EXAMPLE_PIN ? { ...task, placement: { kind: "pinned", machine: target.name } } : task)),
  };
}
