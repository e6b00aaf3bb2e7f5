"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatTime } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { TriggerHistory } from "./trigger-history.tsx";
import { TriggerRowActions } from "./trigger-row-actions.tsx";

/**
 * A saved DAG's webhooks: list, create (the URL and HMAC key are shown once, here), enable or disable, delete, and
 * each one's latest requests.
 */
export function WebhooksSection({ dag, isAdmin }: { dag: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const webhooks = useQuery(trpc.webhooks.list.queryOptions({ dag }));
  const [name, setName] = useState("");
  const [signed, setSigned] = useState(true);
  const [shown, setShown] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey({ dag }) });
  const create = useMutation(trpc.webhooks.create.mutationOptions({ onSuccess: () => { setName(""); void invalidate(); } }));
  const toggle = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: () => void invalidate() }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: () => void invalidate() }));
  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() !== "") create.mutate({ dag, name: name.trim(), signed });
  };
  const list = webhooks.data ?? [];
  const error = create.error ?? toggle.error ?? remove.error ?? webhooks.error;

  return (
    <section className="panel panel-body stack" data-testid="webhooks-section">
      <h2 style={{ margin: 0 }}>Webhooks</h2>
      <span className="muted">
        POST a JSON object of run parameters to the URL; a signed webhook also needs <code>X-Handoff-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</code>
      </span>
      {create.data !== undefined && (
        <div className="notice notice-info" data-testid="webhook-created">
          <p style={{ margin: 0 }}>
            Webhook <strong>{create.data.name}</strong> created. Copy its URL{create.data.hmacKey === null ? "" : " and key"} now: they are not shown again.
          </p>
          <p style={{ margin: 0 }}>
            URL <code data-testid="webhook-url">{create.data.url}</code>
          </p>
          {create.data.hmacKey !== null && (
            <p style={{ margin: 0 }}>
              HMAC key <code data-testid="webhook-key">{create.data.hmacKey}</code>
            </p>
          )}
        </div>
      )}
      <table className="table" data-testid="webhooks-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Signed</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((webhook) => (
            <tr key={webhook.id} data-testid="webhook-row">
              <td>{webhook.name}</td>
              <td>{webhook.signed ? "HMAC-SHA256" : "no"}</td>
              <td>
                {formatTime(webhook.createdAt)} {webhook.createdBy === null ? "" : `by ${webhook.createdBy}`}
              </td>
              <td style={{ textAlign: "right" }}>
                <TriggerRowActions
                  kind="webhook"
                  enabled={webhook.enabled}
                  isAdmin={isAdmin}
                  busy={{ toggle: toggle.isPending, remove: remove.isPending }}
                  onHistory={() => setShown(shown === webhook.id ? null : webhook.id)}
                  onToggle={() => toggle.mutate({ id: webhook.id, enabled: !webhook.enabled })}
                  onDelete={() => remove.mutate({ id: webhook.id })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {webhooks.data !== undefined && list.length === 0 && <p className="empty">No webhooks.</p>}
      {shown !== null && <WebhookHistory id={shown} />}
      {isAdmin && (
        <form className="row" onSubmit={onCreate} data-testid="webhook-form">
          <label className="row muted">
            name
            <input className="input" value={name} onChange={(event) => setName(event.target.value)} maxLength={100} placeholder="ci" data-testid="webhook-name" />
          </label>
          <label className="row muted">
            <input type="checkbox" checked={signed} onChange={(event) => setSigned(event.target.checked)} data-testid="webhook-signed" />
            require an HMAC signature
          </label>
          <button type="submit" className="btn btn-primary btn-small" disabled={create.isPending || name.trim() === ""} data-testid="webhook-create">
            Add webhook
          </button>
        </form>
      )}
      {error !== null && <p className="error">{error.message}</p>}
    </section>
  );
}

function WebhookHistory({ id }: { id: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.webhooks.history.queryOptions({ id, limit: 50 }, { refetchInterval: 3_000 }));
  if (history.error !== null) return <p className="notice">{history.error.message}</p>;
  const rows = (history.data ?? []).map((delivery, index) => ({ key: `${delivery.at}-${index}`, at: delivery.at, outcome: `${delivery.status} ${delivery.outcome}`, detail: delivery.reason, runId: delivery.runId }));
  return <TriggerHistory rows={rows} testId="webhook-history" />;
}
