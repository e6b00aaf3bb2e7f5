import { Suspense } from "react";
import { TriggersView } from "../../../features/triggers/triggers-view.tsx";

export default function TriggersPage() {
  return (
    <Suspense>
      <TriggersView />
    </Suspense>
  );
}
