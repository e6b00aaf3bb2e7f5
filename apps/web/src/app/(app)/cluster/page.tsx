import { ClusterView } from "../../../features/cluster/cluster-view.tsx";

export default function ClusterPage() {
  return <ClusterView />;
}
