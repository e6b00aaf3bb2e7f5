"use client";
import type { DagFile } from "@handoff/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatTime } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { VersionDiff } from "./version-diff.tsx";

/** The saved versions of a DAG: open one in the editor, or restore it (save it again as the newest version). */
export function VersionsPanel({ name, current, onOpen, onClose }: { name: string; current: number | null; onOpen: (file: DagFile, version: number) => void; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.dags.versions.queryOptions({ name }));
  const restore = useMutation(
    trpc.dags.save.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.dags.versions.queryKey({ name }) });
      },
    }),
  );
  const fetchVersion = (version: number) => queryClient.fetchQuery(trpc.dags.get.queryOptions({ name, version }));
  return (
    <div className="panel" data-testid="versions-panel" style={{ position: "absolute", right: 10, top: 10, zIndex: 20, width: 420, maxHeight: "80%", overflow: "auto", boxShadow: "0 8px 30px rgba(0,0,0,.18)" }}>
      <div className="row section">
        <h2 style={{ margin: 0 }}>Versions of {name}</h2>
        <span className="spacer" />
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose} aria-label="close">
          ×
        </button>
      </div>
      {versions.isLoading && <p className="empty">Loading…</p>}
      {versions.error !== null && <p className="notice">{versions.error.message}</p>}
      {restore.error !== null && <p className="notice">{restore.error.message}</p>}
      <table className="table">
        <tbody>
          {(versions.data ?? []).map((row) => (
            <tr key={row.version}>
              <td>
                <strong>v{row.version}</strong>
                {row.version === current && <span className="muted"> (open)</span>}
              </td>
              <td className="muted">
                {formatTime(row.createdAt)}
                {row.createdBy !== null && ` · ${row.createdBy}`}
              </td>
              <td style={{ whiteSpace: "nowrap" }}>
                <button type="button" className="btn btn-small" onClick={() => void fetchVersion(row.version).then((got) => onOpen(got.file, got.version))}>
                  Open
                </button>{" "}
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={restore.isPending}
                  title="save this version again as the newest"
                  onClick={() =>
                    void fetchVersion(row.version)
                      .then((got) => restore.mutateAsync({ file: got.file }).then((saved) => onOpen(got.file, saved.version)))
                      .catch(() => undefined)
                  }
                >
                  Restore
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(versions.data ?? []).length > 1 && <VersionDiff name={name} versions={(versions.data ?? []).map((row) => row.version)} />}
    </div>
  );
}
