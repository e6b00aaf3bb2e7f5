import { Suspense } from "react";
import { DagEditor } from "../../../features/dag-editor/dag-editor.tsx";

export default function EditorPage() {
  return (
    <Suspense fallback={<p className="empty">Loading editor…</p>}>
      <DagEditor />
    </Suspense>
  );
}
