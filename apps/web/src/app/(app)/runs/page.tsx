import { RunsList } from "../../../features/runs/runs-list.tsx";

export default function RunsPage() {
  return <RunsList />;
}
