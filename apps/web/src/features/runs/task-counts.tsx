import { TASK_STATES, taskStateStyle } from "../../lib/task-states.ts";

/** A compact bar of how many tasks are in each state. */
export function TaskCounts({ counts }: { counts: Partial<Record<string, number>> }) {
  const total = TASK_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
  const inline = counts["inline"] ?? 0;
  if (total + inline === 0) return <span className="muted">—</span>;
  return (
    <span className="row" style={{ gap: 6 }} data-testid="task-counts">
      {TASK_STATES.filter((state) => (counts[state] ?? 0) > 0).map((state) => {
        const style = taskStateStyle(state);
        return (
          <span key={state} title={style.label} className="row" style={{ gap: 3 }} data-state={state}>
            <span className="dot" style={{ background: style.color }} />
            {counts[state]}
          </span>
        );
      })}
      {inline > 0 && (
        <span className="muted" title="inline tasks: evaluated inside their consumers, never scheduled on their own" data-testid="inline-count">
          +{inline} inline
        </span>
      )}
    </span>
  );
}

export function StateLegend() {
  return (
    <div className="legend">
      {TASK_STATES.map((state) => {
        const style = taskStateStyle(state);
        return (
          <span key={state}>
            <span className="dot" style={{ background: style.color }} />
            {style.label}
          </span>
        );
      })}
    </div>
  );
}
