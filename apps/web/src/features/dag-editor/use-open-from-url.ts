"use client";
import { useQueryClient } from "@tanstack/react-query";
import type { DagFile } from "@handoff/protocol";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useEffectEvent, useRef, type RefObject } from "react";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import type { RestoredDraft } from "./draft-banner.tsx";
import type { useDraft } from "./use-draft.ts";

/** A short message over the editor: what was opened or saved, or what went wrong. */
export type Notice = { text: string; tone: "error" | "info" };
type OpenFile = (opened: DagFile, source: { name: string; version: number; file?: DagFile } | null) => void;

interface OpenFromUrlOptions {
  readonly openFile: OpenFile;
  readonly draft: ReturnType<typeof useDraft>;
  /** The file open now (a draft of an unsaved DAG comes back only over an empty editor). */
  readonly fileRef: RefObject<DagFile>;
  readonly setRestored: (restored: RestoredDraft | null) => void;
  readonly setNotice: (notice: Notice) => void;
}

/**
 * Opens what the URL names, once per change of it: `?run=ID` that run's DAG exactly as it ran (its saved version, or
 * its file as a new unsaved DAG), `?dag=NAME(&version=N)` a saved DAG (with its unsaved draft over the version it was
 * made from), or nothing — the unsaved DAG's draft, when the editor first opens empty. Answers `showSavedInUrl`: after
 * a save the URL names the saved DAG (a reload reopens it, with its draft) without reopening what the editor holds.
 */
export function useOpenFromUrl({ openFile, draft, fileRef, setRestored, setNotice }: OpenFromUrlOptions): (savedName: string) => void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const router = useRouter();
  const dagParam = params.get("dag");
  const versionParam = params.get("version");
  const runParam = params.get("run");
  const isFirstOpen = useRef(true);
  const keepOpen = useRef<string | null>(null);

  const openRunDag = (runId: string) => {
    queryClient
      .fetchQuery(trpc.runs.get.queryOptions({ runId }))
      .then((run) => {
        const file = run.file;
        const isSaved = run.dagName !== null && run.dagVersion !== null && run.dagName === file.name;
        openFile(file, isSaved ? { name: file.name, version: run.dagVersion! } : null);
        setNotice({ text: isSaved ? `Opened ${file.name} v${run.dagVersion!}, as run ${runId} ran it` : `Opened the DAG run ${runId} ran (never saved: Save keeps it)`, tone: "info" });
      })
      .catch((error: unknown) => setNotice({ text: `cannot open the DAG of run "${runId}": ${(error as Error).message}`, tone: "error" }));
  };

  const openFromUrl = useEffectEvent(() => {
    if (dagParam !== null && dagParam === keepOpen.current && versionParam === null) {
      keepOpen.current = null;
      return;
    }
    setRestored(null);
    if (runParam !== null) {
      isFirstOpen.current = false;
      openRunDag(runParam);
      return;
    }
    if (dagParam === null) {
      // A DAG never saved comes back from its draft (once, when the editor opens on no DAG).
      const kept = isFirstOpen.current ? draft.load(null) : null;
      isFirstOpen.current = false;
      if (kept !== null && fileRef.current.tasks.length === 0) {
        openFile(kept.file, null);
        setRestored({ draft: kept, latestVersion: null });
      }
      return;
    }
    isFirstOpen.current = false;
    const version = versionParam === null ? undefined : Number(versionParam);
    queryClient
      .fetchQuery(trpc.dags.get.queryOptions({ name: dagParam, ...(version === undefined || Number.isNaN(version) ? {} : { version }) }))
      .then((got) => {
        // Unsaved changes of this DAG come back over the saved version they were made from (or the latest).
        const kept = draft.load(got.name);
        if (kept !== null && (version === undefined || version === kept.baseVersion)) {
          openFile(kept.file, { name: got.name, version: got.version, file: got.file });
          setRestored({ draft: kept, latestVersion: got.version });
        } else openFile(got.file, { name: got.name, version: got.version });
      })
      .catch((error: unknown) => setNotice({ text: `cannot open DAG "${dagParam}": ${(error as Error).message}`, tone: "error" }));
  });
  // Reopens only when the URL changes (the editor object is new on every render).
  useEffect(() => openFromUrl(), [dagParam, versionParam, runParam]);
  return (savedName) => {
    if (dagParam === savedName && versionParam === null) return;
    keepOpen.current = savedName;
    router.replace(`/editor?dag=${encodeURIComponent(savedName)}`);
  };
}
