"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { CATCH_UP_POLICIES, type CatchUpPolicy } from "@handoff/core";
import { formatTime } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { TriggerHistory } from "./trigger-history.tsx";
import { TriggerRowActions } from "./trigger-row-actions.tsx";


interface Draft {
  cron: string;
  timeZone: string;
  params: string;
  catchUp: CatchUpPolicy;
  catchUpLimit: number;
  maxActiveRuns: number;
}

const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
const emptyDraft = (): Draft => ({ cron: "0 * * * *", timeZone: localZone(), params: "{}", catchUp: "latest", catchUpLimit: 1, maxActiveRuns: 1 });

/** Params typed as JSON: an object, or the reason it is not one. */
function parseParams(text: string): { ok: true; value: Record<string, unknown> | null } | { ok: false; message: string } {
  if (text.trim() === "") return { ok: true, value: null };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, message: "params must be a JSON object" };
    return { ok: true, value: Object.keys(value).length === 0 ? null : (value as Record<string, unknown>) };
  } catch (error) {
    return { ok: false, message: `params are not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A saved DAG's cron schedules: list, create, edit, enable or disable, delete, and each one's firings. */
export function SchedulesSection({ dag, isAdmin }: { dag: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const schedules = useQuery(trpc.schedules.list.queryOptions({ dag }, { refetchInterval: 5_000 }));
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [editing, setEditing] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.schedules.list.queryKey({ dag }) });
  const done = { onSuccess: () => { setDraft(emptyDraft()); setEditing(null); void invalidate(); } };
  const create = useMutation(trpc.schedules.create.mutationOptions(done));
  const update = useMutation(trpc.schedules.update.mutationOptions(done));
  const toggle = useMutation(trpc.schedules.update.mutationOptions({ onSuccess: () => void invalidate() }));
  const remove = useMutation(trpc.schedules.delete.mutationOptions({ onSuccess: () => void invalidate() }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const params = parseParams(draft.params);
    if (!params.ok) return setFormError(params.message);
    setFormError(null);
    const settings = { cron: draft.cron.trim(), timeZone: draft.timeZone.trim(), params: params.value, catchUp: draft.catchUp, catchUpLimit: draft.catchUpLimit, maxActiveRuns: draft.maxActiveRuns };
    if (editing === null) create.mutate({ dag, ...settings });
    else update.mutate({ id: editing, ...settings });
  };
  const mutationError = create.error ?? update.error ?? toggle.error ?? remove.error;
  const list = schedules.data ?? [];

  return (
    <section className="panel panel-body stack" data-testid="schedules-section">
      <h2 style={{ margin: 0 }}>Schedules</h2>
      <table className="table" data-testid="schedules-table">
        <thead>
          <tr>
            <th>Cron</th>
            <th>Time zone</th>
            <th>Params</th>
            <th>Catch-up</th>
            <th>Max active</th>
            <th>Next</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((schedule) => (
            <tr key={schedule.id} data-testid="schedule-row">
              <td>
                <code>{schedule.cron}</code>
              </td>
              <td>{schedule.timeZone}</td>
              <td>
                <code>{schedule.params === null ? "—" : JSON.stringify(schedule.params)}</code>
              </td>
              <td>{schedule.catchUp === "all" ? `all (≤ ${schedule.catchUpLimit})` : schedule.catchUp}</td>
              <td>{schedule.maxActiveRuns}</td>
              <td data-testid="schedule-next">{schedule.enabled ? formatTime(schedule.nextAt) : "disabled"}</td>
              <td style={{ textAlign: "right" }}>
                <TriggerRowActions
                  kind="schedule"
                  enabled={schedule.enabled}
                  isAdmin={isAdmin}
                  busy={{ toggle: toggle.isPending, remove: remove.isPending }}
                  onHistory={() => setShown(shown === schedule.id ? null : schedule.id)}
                  onToggle={() => toggle.mutate({ id: schedule.id, enabled: !schedule.enabled })}
                  onDelete={() => remove.mutate({ id: schedule.id })}
                >
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => {
                      setEditing(schedule.id);
                      setDraft({ cron: schedule.cron, timeZone: schedule.timeZone, params: JSON.stringify(schedule.params ?? {}), catchUp: schedule.catchUp, catchUpLimit: schedule.catchUpLimit, maxActiveRuns: schedule.maxActiveRuns });
                    }}
                    data-testid="schedule-edit"
                  >
                    Edit
                  </button>
                </TriggerRowActions>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {schedules.data !== undefined && list.length === 0 && <p className="empty">No schedules.</p>}
      {shown !== null && <ScheduleHistory id={shown} />}
      {isAdmin && (
        <form className="row" onSubmit={onSubmit} data-testid="schedule-form" style={{ flexWrap: "wrap" }}>
          <label className="row muted">
            cron
            <input className="input mono" value={draft.cron} onChange={(event) => setDraft({ ...draft, cron: event.target.value })} maxLength={200} data-testid="schedule-cron" />
          </label>
          <label className="row muted">
            time zone
            <input className="input" value={draft.timeZone} onChange={(event) => setDraft({ ...draft, timeZone: event.target.value })} maxLength={64} data-testid="schedule-tz" />
          </label>
          <label className="row muted">
            params
            <input className="input mono" value={draft.params} onChange={(event) => setDraft({ ...draft, params: event.target.value })} data-testid="schedule-params" />
          </label>
          <label className="row muted">
            catch-up
            <select className="input" value={draft.catchUp} onChange={(event) => setDraft({ ...draft, catchUp: event.target.value as CatchUpPolicy })} data-testid="schedule-catch-up">
              {CATCH_UP_POLICIES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
          {draft.catchUp === "all" && (
            <label className="row muted">
              at most
              <input className="input" type="number" min={1} max={100} value={draft.catchUpLimit} onChange={(event) => setDraft({ ...draft, catchUpLimit: Number(event.target.value) })} style={{ width: "5em" }} />
            </label>
          )}
          <label className="row muted">
            max active runs
            <input className="input" type="number" min={1} max={1000} value={draft.maxActiveRuns} onChange={(event) => setDraft({ ...draft, maxActiveRuns: Number(event.target.value) })} style={{ width: "5em" }} data-testid="schedule-max-active" />
          </label>
          <button type="submit" className="btn btn-primary btn-small" disabled={create.isPending || update.isPending} data-testid="schedule-save">
            {editing === null ? "Add schedule" : "Save schedule"}
          </button>
          {editing !== null && (
            <button type="button" className="btn btn-small" onClick={() => { setEditing(null); setDraft(emptyDraft()); }}>
              Cancel
            </button>
          )}
        </form>
      )}
      {(formError ?? mutationError?.message) && (
        <p className="error" data-testid="schedule-error">
          {formError ?? mutationError?.message}
        </p>
      )}
      {schedules.error !== null && <p className="notice">{schedules.error.message}</p>}
    </section>
  );
}

function ScheduleHistory({ id }: { id: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.schedules.history.queryOptions({ id, limit: 50 }, { refetchInterval: 3_000 }));
  if (history.error !== null) return <p className="notice">{history.error.message}</p>;
  const rows = (history.data ?? []).map((firing) => ({ key: firing.scheduledAt, at: firing.scheduledAt, outcome: firing.outcome, detail: firing.reason, runId: firing.runId }));
  return <TriggerHistory rows={rows} testId="schedule-history" />;
}
