import { DagFile } from "@handoff/protocol";

/** Where drafts live: `localStorage` in the browser, a Map in tests. */
export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** An unsaved state of one DAG, kept in the browser until it is saved or discarded. */
export interface Draft {
  readonly file: DagFile;
  /** The saved version it was edited from; null for a DAG never saved. */
  readonly baseVersion: number | null;
  readonly savedAtMs: number;
}

const PREFIX = "handoff.draft:";
/** The slot of the DAG that has no saved version yet (one per browser). */
export const NEW_DAG_DRAFT = "(new)";

/** A draft's slot: the saved DAG's name, or the one slot for a DAG never saved. */
export function draftSlot(saved: { readonly name: string } | null): string {
  return saved === null ? NEW_DAG_DRAFT : saved.name;
}

/**
 * Drafts per DAG in browser storage. A stored draft that no longer parses as a DAG file is dropped, not
 * restored; a write the storage refuses (quota) returns false and changes nothing.
 * @example createDrafts(localStorage).save("word-count", { file, baseVersion: 3, savedAtMs: Date.now() })
 */
export function createDrafts(storage: DraftStorage) {
  return {
    load(slot: string): Draft | null {
      const text = storage.getItem(PREFIX + slot);
      if (text === null) return null;
      try {
        const raw = JSON.parse(text) as { file?: unknown; baseVersion?: unknown; savedAtMs?: unknown };
        const file = DagFile.safeParse(raw.file);
        if (!file.success || typeof raw.savedAtMs !== "number") throw new Error("unreadable draft");
        return { file: file.data, baseVersion: typeof raw.baseVersion === "number" ? raw.baseVersion : null, savedAtMs: raw.savedAtMs };
      } catch {
        storage.removeItem(PREFIX + slot);
        return null;
      }
    },
    save(slot: string, draft: Draft): boolean {
      try {
        storage.setItem(PREFIX + slot, JSON.stringify(draft));
        return true;
      } catch {
        return false;
      }
    },
    discard(slot: string): void {
      storage.removeItem(PREFIX + slot);
    },
  };
}

export type Drafts = ReturnType<typeof createDrafts>;
