"use client";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { SchedulesSection } from "./schedules-section.tsx";
import { WebhooksSection } from "./webhooks-section.tsx";

/**
 * A saved DAG's triggers (issue #17): its cron schedules and its webhooks, each with its history linking to the runs
 * it started. Everyone sees them; only admins create, change or delete (the API refuses others).
 */
export function TriggersView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const dag = useSearchParams().get("dag") ?? "";
  const dags = useQuery(trpc.dags.list.queryOptions({ limit: 200 }));
  const me = useQuery(trpc.auth.me.queryOptions());
  const isAdmin = me.data?.kind === "admin";
  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Triggers</h1>
        <span className="muted">cron schedules and webhooks start runs of a saved DAG&apos;s latest version</span>
      </div>
      <label className="row muted">
        saved DAG
        <select className="input" value={dag} onChange={(event) => router.replace(`${pathname}?dag=${encodeURIComponent(event.target.value)}`)} data-testid="triggers-dag">
          <option value="">choose…</option>
          {(dags.data?.items ?? []).map((item) => (
            <option key={item.name} value={item.name}>
              {item.name}
            </option>
          ))}
        </select>
      </label>
      {dags.error !== null && <p className="notice">{dags.error.message}</p>}
      {dag === "" ? (
        <p className="empty">Choose a saved DAG to see its schedules and webhooks.</p>
      ) : (
        <>
          <SchedulesSection dag={dag} isAdmin={isAdmin} />
          <WebhooksSection dag={dag} isAdmin={isAdmin} />
        </>
      )}
    </div>
  );
}
