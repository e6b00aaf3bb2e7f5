"use client";
import type { ReactNode } from "react";

interface TriggerRowActionsProps {
  /** `schedule` or `webhook`: the prefix of every button's test id. */
  readonly kind: "schedule" | "webhook";
  readonly enabled: boolean;
  readonly isAdmin: boolean;
  readonly busy: { readonly toggle: boolean; readonly remove: boolean };
  readonly onHistory: () => void;
  readonly onToggle: () => void;
  readonly onDelete: () => void;
  /** Admin-only buttons between Enable and Delete (a schedule's Edit). */
  readonly children?: ReactNode;
}

/** A trigger row's buttons: History for everyone; Enable/Disable, any extra, and Delete for admins. */
export function TriggerRowActions({ kind, enabled, isAdmin, busy, onHistory, onToggle, onDelete, children }: TriggerRowActionsProps) {
  return (
    <span className="row" style={{ justifyContent: "flex-end" }}>
      <button type="button" className="btn btn-small" onClick={onHistory} data-testid={`${kind}-history-toggle`}>
        History
      </button>
      {isAdmin && (
        <>
          <button type="button" className="btn btn-small" disabled={busy.toggle} onClick={onToggle} data-testid={`${kind}-enable`}>
            {enabled ? "Disable" : "Enable"}
          </button>
          {children}
          <button type="button" className="btn btn-small btn-danger" disabled={busy.remove} onClick={onDelete} data-testid={`${kind}-delete`}>
            Delete
          </button>
        </>
      )}
    </span>
  );
}
