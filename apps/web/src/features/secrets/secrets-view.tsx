"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatTime } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/**
 * Named secrets (admins): create, replace, delete. The list shows names and metadata only — a value goes in through
 * the form and never comes back (the API has no call that returns one).
 */
export function SecretsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const secrets = useQuery(trpc.secrets.list.queryOptions());
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [saved, setSaved] = useState<{ name: string; created: boolean } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.secrets.list.queryKey() });
  const set = useMutation(
    trpc.secrets.set.mutationOptions({
      onSuccess: (answer) => {
        setSaved({ name: answer.name, created: answer.created });
        setName("");
        setValue("");
        void invalidate();
      },
    }),
  );
  const remove = useMutation(trpc.secrets.delete.mutationOptions({ onSuccess: () => void invalidate(), onSettled: () => setConfirming(null) }));

  const onSave = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === "" || value === "") return;
    setSaved(null);
    set.mutate({ name: name.trim(), value });
  };
  const list = secrets.data ?? [];

  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Secrets</h1>
        <span className="muted">
          tasks refer to one as a value in extra args: <code>{'{ "secret": "NAME" }'}</code>; only the agent running the task sees the value
        </span>
      </div>
      <form className="panel panel-body row" onSubmit={onSave} data-testid="secret-form" autoComplete="off">
        <label className="row muted">
          name
          <input value={name} onChange={(event) => setName(event.target.value)} placeholder="warehouse" maxLength={100} data-testid="secret-name" />
        </label>
        <label className="row muted">
          value
          <input type="password" value={value} onChange={(event) => setValue(event.target.value)} autoComplete="new-password" data-testid="secret-value" />
        </label>
        <button type="submit" className="btn btn-primary btn-small" disabled={set.isPending || name.trim() === "" || value === ""} data-testid="secret-save">
          {set.isPending ? "Saving…" : list.some((secret) => secret.name === name.trim()) ? "Replace value" : "Create secret"}
        </button>
        {set.error !== null && <span className="error">{set.error.message}</span>}
      </form>
      {saved !== null && (
        <p className="notice notice-info" data-testid="secret-saved">
          Secret <strong>{saved.name}</strong> {saved.created ? "created" : "replaced"}. Its value is not shown again.
        </p>
      )}
      {secrets.error !== null && <p className="notice">{secrets.error.message}</p>}
      {remove.error !== null && <p className="notice">{remove.error.message}</p>}
      <table className="table panel" data-testid="secrets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Size</th>
            <th>Updated</th>
            <th>Updated by</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((secret) => (
            <tr key={secret.name} data-testid={`secret-row-${secret.name}`}>
              <td>
                <code>{secret.name}</code>
              </td>
              <td>{secret.size} bytes</td>
              <td>{formatTime(secret.updatedAt)}</td>
              <td>{secret.updatedBy ?? "—"}</td>
              <td>{formatTime(secret.createdAt)}</td>
              <td style={{ textAlign: "right" }}>
                {confirming === secret.name ? (
                  <span className="row" style={{ justifyContent: "flex-end" }}>
                    <span className="error">Delete {secret.name}? Runs that refer to it will be refused.</span>
                    <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending} onClick={() => remove.mutate({ name: secret.name })} data-testid="secret-delete-confirm">
                      Delete
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <span className="row" style={{ justifyContent: "flex-end" }}>
                    <button type="button" className="btn btn-small" onClick={() => setName(secret.name)} data-testid="secret-replace">
                      Replace…
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setConfirming(secret.name)} data-testid="secret-delete">
                      Delete…
                    </button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {secrets.data !== undefined && list.length === 0 && <p className="empty">No secrets yet.</p>}
    </div>
  );
}
