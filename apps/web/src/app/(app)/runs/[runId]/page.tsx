import { RunView } from "../../../../features/runs/run-view.tsx";

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  return <RunView runId={decodeURIComponent(runId)} />;
}
