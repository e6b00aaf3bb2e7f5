import { TokensView } from "../../../features/tokens/tokens-view.tsx";

export default function TokensPage() {
  return <TokensView />;
}
