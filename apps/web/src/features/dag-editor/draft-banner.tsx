"use client";
import type { Draft } from "./drafts.ts";

export interface RestoredDraft {
  readonly draft: Draft;
  /** The latest saved version when the draft was restored (null for a DAG never saved). */
  readonly latestVersion: number | null;
}

/** Says that unsaved changes were brought back from this browser, with a way to throw them away. */
export function DraftBanner({ restored, onDiscard, onDismiss }: { restored: RestoredDraft; onDiscard: () => void; onDismiss: () => void }) {
  const { draft, latestVersion } = restored;
  const at = new Date(draft.savedAtMs).toLocaleString();
  const base =
    draft.baseVersion === null ? "" : draft.baseVersion === latestVersion ? ` (edited from v${draft.baseVersion})` : ` (edited from v${draft.baseVersion}; v${latestVersion ?? "?"} is the latest)`;
  return (
    <div className="canvas-message notice notice-info row" role="status" data-testid="draft-banner">
      <span>
        Restored unsaved changes from {at}
        {base}, kept in this browser.
      </span>
      <button type="button" className="btn btn-small" onClick={onDiscard} data-testid="draft-discard">
        Discard draft
      </button>
      <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss} aria-label="close">
        ×
      </button>
    </div>
  );
}
