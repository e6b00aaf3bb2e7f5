import type { DagSpec, TaskId, TaskSpec } from "./model.ts";
import type { DagProblem } from "../errors.ts";
import { checkFeasibility, neededFunctions, type FunctionNeed, type MachineInfo } from "../placement/check-feasibility.ts";
import { checkSecretRefs } from "./secret-refs.ts";
import { taskIndex, validateDag } from "./validate-dag.ts";
import type { SignatureContext } from "./validate-signatures.ts";

export interface DagCheckContext {
  /** The machines as they are now; `null` skips feasibility (the machines are unknown, or a resumed run was accepted before). */
  readonly machines: readonly MachineInfo[] | null;
  /** The machines' function catalogue and the JSON Schema validator; absent skips the signature checks. */
  readonly signatures?: SignatureContext;
  /** `neededFunctions(dag)` when the caller has it already. */
  readonly needs?: ReadonlyMap<TaskId, readonly FunctionNeed[]>;
  /** `taskIndex(dag)` when the caller has it already. */
  readonly index?: ReadonlyMap<TaskId, TaskSpec>;
  /** `taskPositions(dag.tasks)` when the caller has it already. */
  readonly positions?: ReadonlyMap<TaskId, number>;
  /** Other problems that block the run as structural ones do (the run's options). */
  readonly also?: readonly DagProblem[];
  /** The secrets that exist: a reference to another one is a problem. Absent: only the references' form is checked. */
  readonly secretNames?: ReadonlySet<string>;
}

/**
 * What is checked before a run starts, the one policy for the scheduler, the server (`runs.start`, `dags.check`)
 * and the editor: every structural problem (`validateDag`, with signatures when given) and, against the machines,
 * feasibility (`checkFeasibility`), and the tasks' secret references (`checkSecretRefs`). On a malformed DAG capacity verdicts mean little, so only its functions that no
 * machine offers are added.
 * @example checkDag(dag, { machines, signatures: { catalogue, validateParams: validateJsonSchema } }) // [] when it may run
 */
export function checkDag(dag: DagSpec, context: DagCheckContext): DagProblem[] {
  const structural = validateDag(dag, context.signatures, context.positions);
  structural.push(...checkSecretRefs(dag, context.secretNames));
  if (context.also !== undefined) structural.push(...context.also);
  if (context.machines === null) return structural;
  const index = context.index ?? taskIndex(dag);
  const feasibility = checkFeasibility(dag, context.machines, context.needs ?? neededFunctions(dag, index), index);
  return structural.length === 0 ? feasibility : [...structural, ...feasibility.filter((problem) => problem.kind === "unknown_function")];
}
