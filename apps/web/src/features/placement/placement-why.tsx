import { describeTurnedDown } from "@handoff/core";
import type { RouterOutputs } from "../../lib/trpc/api-types.ts";
import { formatBytes } from "../../lib/format.ts";

/** Core's placement explanation as the API answers it (the run view, the editor's preview). */
export type PlacementWhyView = NonNullable<RouterOutputs["runs"]["explainTask"]["placement"]>;

const RULE_TEXT: Record<NonNullable<PlacementWhyView["rule"]>, string> = {
  pinned: "pinned there",
  collocated: "its collocation group is there",
  local_first: "the local machine comes first",
  first_fit: "first machine with room (last used first, then by name)",
  most_free: "most capacity left free (load balanced)",
};

/**
 * Why a task goes (or would go) where it does, or why it waits: the rule and the machines turned down, counted per
 * reason. One component for the task panel and the editor's inspector, over core's one explanation.
 */
export function PlacementWhy({ explanation, testId, showMachine = true }: { explanation: PlacementWhyView; testId: string; showMachine?: boolean }) {
  return (
    <div className="stack" data-testid={testId} style={{ gap: 4 }}>
      {explanation.machine !== null && explanation.rule !== undefined && (
        <div>
          {showMachine ? (
            <>
              on <strong data-testid={`${testId}-machine`}>{explanation.machine}</strong>:{" "}
            </>
          ) : (
            <span className="muted">because </span>
          )}
          <span data-testid={`${testId}-rule`}>{RULE_TEXT[explanation.rule]}</span>
          {explanation.inputBytes !== undefined && explanation.inputBytes.total > 0 && (
            <span className="muted">
              {" "}
              · {formatBytes(explanation.inputBytes.here)} of {formatBytes(explanation.inputBytes.total)} input already there
            </span>
          )}
        </div>
      )}
      {explanation.machine === null && <div data-testid={`${testId}-waiting`}>{explanation.summary.split(";")[0]}</div>}
      {explanation.turnedDown.length > 0 && (
        <div className="row" style={{ flexWrap: "wrap", gap: 4 }} data-testid={`${testId}-turned-down`}>
          <span className="muted">turned down:</span>
          {explanation.turnedDown.map((entry) => (
            <span key={`${entry.reason}:${entry.resources?.join(",") ?? ""}`} className="chip" data-testid={`${testId}-reason-${entry.reason}`}>
              {describeTurnedDown([entry])}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
