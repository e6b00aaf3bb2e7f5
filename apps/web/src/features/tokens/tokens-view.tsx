"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatTime } from "../../lib/format.ts";
import { paginate } from "../../lib/paginate.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { defaultExpiryHours, EXPIRY_CHOICES } from "./token-expiry.ts";

const KINDS = ["user", "admin", "join", "scrape"] as const;
type Kind = (typeof KINDS)[number];
const PAGE_SIZE = 20;

const KIND_HELP: Record<Kind, string> = {
  user: "DAGs, runs and results",
  admin: "everything",
  join: "agents joining the cluster",
  scrape: "/metrics only",
};

/** Tokens: who can reach the server, when each was last used; a new secret is shown once. */
export function TokensView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  const me = useQuery(trpc.auth.me.queryOptions());
  const [page, setPage] = useState(1);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("user");
  const [expiryHours, setExpiryHours] = useState<number | null>(defaultExpiryHours("user"));
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [isCopied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (created, input) => {
        setSecret({ name: input.name, token: created.token });
        setCopied(false);
        setName("");
        void invalidate();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => void invalidate(), onSettled: () => setConfirming(null) }));

  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === "") return;
    create.mutate({ name: name.trim(), kind, ...(expiryHours === null ? {} : { expiresInHours: expiryHours }) });
  };
  const copy = async () => {
    if (secret === null) return;
    try {
      await navigator.clipboard.writeText(secret.token);
      setCopied(true);
    } catch {
      // Clipboard refused (no permission, plain http): the secret stays selectable on screen.
      setCopied(false);
    }
  };

  const list = [...(tokens.data ?? [])].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const shown = paginate(list, page, PAGE_SIZE);

  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Tokens</h1>
        <span className="muted">{list.filter((token) => token.revokedAt === null).length} active</span>
      </div>
      <form className="panel panel-body row" onSubmit={onCreate} data-testid="token-create">
        <label className="row muted">
          name
          <input value={name} onChange={(event) => setName(event.target.value)} placeholder="ci, laptop, prometheus…" maxLength={100} data-testid="token-name" />
        </label>
        <label className="row muted">
          kind
          <select
            value={kind}
            onChange={(event) => {
              const next = KINDS.find((value) => value === event.target.value) ?? "user";
              setKind(next);
              setExpiryHours(defaultExpiryHours(next));
            }}
            data-testid="token-kind"
          >
            {KINDS.map((value) => (
              <option key={value} value={value}>
                {value} — {KIND_HELP[value]}
              </option>
            ))}
          </select>
        </label>
        <label className="row muted">
          expires
          <select value={expiryHours ?? "never"} onChange={(event) => setExpiryHours(event.target.value === "never" ? null : Number(event.target.value))} data-testid="token-expiry">
            {EXPIRY_CHOICES.map((choice) => (
              <option key={choice.label} value={choice.hours ?? "never"}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary btn-small" disabled={create.isPending || name.trim() === ""} data-testid="token-create-submit">
          {create.isPending ? "Creating…" : "Create token"}
        </button>
        {create.error !== null && <span className="error">{create.error.message}</span>}
      </form>
      {secret !== null && (
        <div className="notice notice-info stack" data-testid="token-secret-panel">
          <div>
            Token <strong>{secret.name}</strong> created. Copy the secret now: it is not shown again.
          </div>
          <div className="row">
            <code className="token-secret" data-testid="token-secret">
              {secret.token}
            </code>
            <button type="button" className="btn btn-small" onClick={() => void copy()} data-testid="token-copy">
              {isCopied ? "Copied" : "Copy"}
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      {tokens.error !== null && <p className="notice">{tokens.error.message}</p>}
      {revoke.error !== null && <p className="notice">{revoke.error.message}</p>}
      <table className="table panel" data-testid="tokens-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Created</th>
            <th>Created by</th>
            <th>Last used</th>
            <th>Expires</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.items.map((token) => (
            <tr key={token.id} data-testid={`token-row-${token.name}`} className={token.revokedAt === null ? undefined : "muted"}>
              <td>
                {token.name}
                {token.id === me.data?.tokenId && <span className="chip" title="the token this browser is signed in with">this session</span>}
              </td>
              <td>
                <span className="chip">{token.kind}</span>
              </td>
              <td>{formatTime(token.createdAt)}</td>
              <td>{token.createdBy ?? "—"}</td>
              <td data-testid="token-last-used">{token.lastUsedAt === null ? "never" : formatTime(token.lastUsedAt)}</td>
              <td data-testid="token-expires">{token.expiresAt === null ? "never" : formatTime(token.expiresAt)}</td>
              <td>{token.revokedAt !== null ? `revoked ${formatTime(token.revokedAt)}` : token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now() ? "expired" : "active"}</td>
              <td style={{ textAlign: "right" }}>
                {token.revokedAt === null &&
                  (confirming === token.id ? (
                    <span className="row" style={{ justifyContent: "flex-end" }}>
                      <span className="error">
                        Revoke {token.name}?{token.id === me.data?.tokenId ? " You are signed in with it." : ""}
                      </span>
                      <button type="button" className="btn btn-small btn-danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: token.id })} data-testid="token-revoke-confirm">
                        Revoke
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button type="button" className="btn btn-small" onClick={() => setConfirming(token.id)} data-testid="token-revoke">
                      Revoke…
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tokens.data !== undefined && list.length === 0 && <p className="empty">No tokens.</p>}
      {shown.pageCount > 1 && (
        <div className="pager">
          <span className="muted">
            page {shown.page} of {shown.pageCount}
          </span>
          <button type="button" className="btn btn-small" disabled={shown.page === 1} onClick={() => setPage(shown.page - 1)}>
            ← Previous
          </button>
          <button type="button" className="btn btn-small" disabled={shown.page === shown.pageCount} onClick={() => setPage(shown.page + 1)}>
            Next →
          </button>
        </div>
      )}
    </div>
  );
}
