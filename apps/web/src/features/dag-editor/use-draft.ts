"use client";
import type { DagFile } from "@handoff/protocol";
import { useEffect, useMemo, useRef, useState } from "react";
import { createDrafts, draftSlot, type Draft, type Drafts } from "./drafts.ts";

const SAVE_DELAY_MS = 500;

function browserDrafts(): Drafts | null {
  try {
    return typeof window === "undefined" ? null : createDrafts(window.localStorage);
  } catch {
    return null; // storage disabled
  }
}

/**
 * Keeps the editor's unsaved changes as a draft of their DAG in this browser (half a second after the last
 * edit), and drops the draft once the DAG is saved or the changes are undone. `storageFull` turns true
 * when the browser refused a draft.
 */
export function useDraft(file: DagFile, saved: { readonly name: string; readonly version: number; readonly file: DagFile } | null) {
  const drafts = useMemo(browserDrafts, []);
  const [storageFull, setStorageFull] = useState(false);
  const slot = draftSlot(saved);
  const isModified = saved === null || saved.file !== file;
  const baseVersion = saved?.version ?? null;

  // The edit not yet written: written at once when the editor unmounts or the page is hidden.
  const pending = useRef<{ slot: string; draft: Draft } | null>(null);
  useEffect(() => {
    if (drafts === null) return;
    const flush = () => {
      if (pending.current !== null) drafts.save(pending.current.slot, pending.current.draft);
      pending.current = null;
    };
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, [drafts]);

  useEffect(() => {
    if (drafts === null) return;
    pending.current = null;
    if (!isModified) {
      drafts.discard(slot);
      return;
    }
    if (file.tasks.length === 0) return;
    const entry = { slot, draft: { file, baseVersion, savedAtMs: Date.now() } };
    pending.current = entry;
    const timer = setTimeout(() => {
      if (pending.current === entry) pending.current = null;
      setStorageFull(!drafts.save(entry.slot, entry.draft));
    }, SAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [drafts, slot, file, isModified, baseVersion]);

  return {
    storageFull,
    /** The draft kept for a DAG (its saved name, or null for the one never saved). */
    load: (name: string | null): Draft | null => drafts?.load(draftSlot(name === null ? null : { name })) ?? null,
    discard: (name: string | null): void => drafts?.discard(draftSlot(name === null ? null : { name })),
  };
}
