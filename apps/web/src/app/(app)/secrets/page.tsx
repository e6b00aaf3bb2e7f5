import { SecretsView } from "../../../features/secrets/secrets-view.tsx";

export default function SecretsPage() {
  return <SecretsView />;
}
