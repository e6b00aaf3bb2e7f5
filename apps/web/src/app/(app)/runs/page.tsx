import { Suspense } from "react";
import { RunsList } from "../../../features/runs/runs-list.tsx";

export default function RunsPage() {
  return (
    <Suspense fallback={<p className="empty">Loading runs…</p>}>
      <RunsList />
    </Suspense>
  );
}
