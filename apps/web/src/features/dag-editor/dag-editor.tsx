"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider, useReactFlow, useStoreApi, type Connection } from "@xyflow/react";
import type { DagFile, JsonValue } from "@handoff/protocol";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import type { CatalogueEntry, RunStartOptions } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import type { CanvasDecorations } from "../canvas/canvas-decorations.ts";
import { useJumpToTask } from "../canvas/find-task-palette.tsx";
import { cancelQueuedFit } from "../canvas/fit-when-ready.tsx";
import { fitViewportFor } from "../canvas/overview.ts";
import { useIsOverviewPainted } from "../canvas/overview-canvas.tsx";
import { addTask, connectArg, moveTasks, removeEdges, removeTasks } from "./dag-edits.ts";
import { DagInspector } from "./dag-inspector.tsx";
import { DraftBanner, type RestoredDraft } from "./draft-banner.tsx";
import { EdgeInspector } from "./edge-inspector.tsx";
import { EditorCanvas } from "./editor-canvas.tsx";
import { EditorToolbar } from "./editor-toolbar.tsx";
import { emptyDag } from "./empty-dag.ts";
import type { ArgEdge, TaskNode } from "./flow-types.ts";
import { importDagText, withPositions } from "./import-dag-text.ts";
import { layoutOffMainThread, warmLayoutWorker } from "./layout-off-main-thread.ts";
import { FUNCTION_DRAG_TYPE, Palette } from "./palette.tsx";
import { placeNewTask } from "./place-new-tasks.ts";
import { RunOptionsForm } from "./run-options-form.tsx";
import { TaskInspector } from "./task-inspector.tsx";
import { useCanvasElements } from "./use-canvas-elements.ts";
import { useDagCheck } from "./use-dag-check.ts";
import { useDraft } from "./use-draft.ts";
import { useEditorKeys } from "./use-editor-keys.ts";
import { useEditorState, type Selection } from "./use-editor-state.ts";
import { useFlowChanges } from "./use-flow-changes.ts";
import { useOpenFromUrl, type Notice } from "./use-open-from-url.ts";
import { useUnsavedGuard } from "./use-unsaved-guard.ts";
import { VersionsPanel } from "./versions-panel.tsx";


// One object for "no catalogue yet" (the palette is memoised on it).
const NO_ENTRIES: CatalogueEntry[] = [];

function problemsFromError(error: unknown): string {
  const data = (error as { data?: { problems?: unknown } } | null)?.data;
  const problems = Array.isArray(data?.problems) ? (data.problems as { message?: unknown }[]) : [];
  const messages = problems.map((problem) => (typeof problem.message === "string" ? problem.message : "")).filter((m) => m !== "");
  return messages.length > 0 ? messages.join("\n") : error instanceof Error ? error.message : String(error);
}

export function DagEditor() {
  return (
    <ReactFlowProvider>
      <DagEditorInner />
    </ReactFlowProvider>
  );
}

function DagEditorInner() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const flow = useReactFlow<TaskNode, ArgEdge>();
  const flowStore = useStoreApi<TaskNode, ArgEdge>();
  const editor = useEditorState();
  const { file, selection, setSelection, edit, commit, change } = editor;
  const fileRef = useRef(file);
  fileRef.current = file;
  const selectionRef = useRef<Selection>(selection);
  selectionRef.current = selection;

  const catalogue = useQuery(trpc.machines.catalogue.queryOptions(undefined, { refetchInterval: 10_000 }));
  const machines = useQuery(trpc.machines.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  const strategy = file.strategy ?? "first_available";
  const check = useDagCheck(file, machines.data, strategy);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [panel, setPanel] = useState<"run" | "versions" | null>(null);
  const isModified = editor.saved === null ? file.tasks.length > 0 : editor.saved.file !== file;
  const confirmLeave = useUnsavedGuard(isModified);
  const draft = useDraft(file, editor.saved);
  const [restored, setRestored] = useState<RestoredDraft | null>(null);
  const [fitRequest, setFitRequest] = useState(0);
  const requestFit = useCallback(() => setFitRequest((n) => n + 1), []);

  // The layout worker starts loading its (small, zod-free) script as the editor mounts, on its own thread: an
  // import right after the page opened found it cold when it waited for the page to be idle (traced: ~0.5 s
  // of the import → drawn time was the worker starting).
  useEffect(warmLayoutWorker, []);

  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => setNotice(null), notice.tone === "error" ? 8_000 : 4_000);
    return () => clearTimeout(timer);
  }, [notice]);

  const inputsByFn = useMemo(() => new Map((catalogue.data ?? []).map((entry) => [entry.fn.name, entry.fn.inputs])), [catalogue.data]);
  const positionOf = useCallback((taskId: string) => fileRef.current.tasks.find((task) => task.id === taskId)?.position, []);
  const { jumpToTask, isPaintedJump } = useJumpToTask(positionOf, file.tasks.length);
  const isOverviewPainted = useIsOverviewPainted(file.tasks.length) || isPaintedJump;
  const { nodes, edges, overviewCards, highlight, setMeasured, forgetGuesses } = useCanvasElements(file, selection, inputsByFn, flowStore);

  /** Opens a file at its overview zoom (so a large DAG renders once, already fitted), then fits to the measured cards. */
  const openFile = (opened: DagFile, source: { name: string; version: number; file?: DagFile } | null) => {
    const { width, height } = flowStore.getState();
    const viewport = fitViewportFor(
      opened.tasks.flatMap((task) => (task.position === undefined ? [] : [task.position])),
      width,
      height,
    );
    cancelQueuedFit(flowStore);
    if (viewport !== null) void flow.setViewport(viewport);
    forgetGuesses();
    editor.open(opened, source);
    requestFit();
  };

  const showSavedInUrl = useOpenFromUrl({ openFile, draft, fileRef, setRestored, setNotice });

  const decorations = useMemo<CanvasDecorations>(() => ({ problems: check.problems.byTask, placement: check.placement, inputsByFn, run: null }), [check.problems, check.placement, inputsByFn]);

  const { onNodesChange, onEdgesChange } = useFlowChanges({ edit, commit, setSelection, selectionRef, setMeasured });

  const onConnect = useCallback(
    (connection: Connection) => {
      const result = connectArg(fileRef.current, connection.source, connection.target, connection.targetHandle);
      if (!result.ok) {
        setNotice({ text: `Connection refused: ${result.message}`, tone: "error" });
        return;
      }
      editor.change(result.file);
    },
    [editor],
  );

  const onDelete = useCallback(
    ({ nodes: deletedNodes, edges: deletedEdges }: { nodes: TaskNode[]; edges: ArgEdge[] }) => {
      const taskIds = new Set(deletedNodes.map((node) => node.id));
      const loose = deletedEdges.filter((edge) => !taskIds.has(edge.target)).map((edge) => ({ target: edge.target, index: edge.data?.index ?? -1 }));
      edit((current) => removeTasks(removeEdges(current, loose), taskIds));
      setSelection({ tasks: new Set(), edges: new Set() });
    },
    [edit, setSelection],
  );

  const addFromCatalogue = useCallback(
    (entry: CatalogueEntry, position?: { x: number; y: number }) => {
      const wanted = position ?? flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
      // Never on top of a card already there.
      const result = addTask(fileRef.current, entry.fn.name, placeNewTask(fileRef.current, wanted), entry.fn.defaultCost);
      change(result.file);
      setSelection({ tasks: new Set([result.taskId]), edges: new Set() });
    },
    [change, flow, setSelection],
  );

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    const name = event.dataTransfer.getData(FUNCTION_DRAG_TYPE);
    if (name === "") return;
    event.preventDefault();
    const entry = catalogue.data?.find((candidate) => candidate.fn.name === name);
    if (entry === undefined) return;
    addFromCatalogue(entry, flow.screenToFlowPosition({ x: event.clientX - 100, y: event.clientY - 30 }));
  };

  const sentFile = useRef<DagFile | null>(null);
  const save = useMutation(
    trpc.dags.save.mutationOptions({
      onMutate: ({ file: sent }) => {
        sentFile.current = fileRef.current === sent ? fileRef.current : null;
      },
      onSuccess: async (saved) => {
        draft.discard(editor.saved?.name ?? null);
        // The file that was sent (edits made while saving stay "modified").
        editor.setSaved({ ...saved, file: sentFile.current ?? fileRef.current });
        setRestored(null);
        showSavedInUrl(saved.name);
        setNotice({ text: `Saved ${saved.name} v${saved.version}`, tone: "info" });
        await queryClient.invalidateQueries({ queryKey: trpc.dags.versions.queryKey({ name: saved.name }) });
        await queryClient.invalidateQueries({ queryKey: trpc.dags.list.queryKey() });
      },
      onError: (error) => setNotice({ text: `Not saved: ${problemsFromError(error)}`, tone: "error" }),
    }),
  );
  const saveNow = useRef(() => undefined as void);
  saveNow.current = () => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    // After the blur's commit has rendered: save what the editor then holds.
    setTimeout(() => {
      if (fileRef.current.tasks.length > 0 && !save.isPending) save.mutate({ file: fileRef.current });
    }, 0);
  };
  const refs = useMemo(() => ({ file: fileRef, selection: selectionRef }), []);
  const saveFromKeys = useCallback(() => saveNow.current(), []);
  useEditorKeys(editor, refs, saveFromKeys);
  const findTask = (taskId: string) => {
    setSelection({ tasks: new Set([taskId]), edges: new Set() });
    jumpToTask(taskId);
  };
  const start = useMutation(
    trpc.runs.start.mutationOptions({
      onSuccess: ({ runId }) => router.push(`/runs/${encodeURIComponent(runId)}`),
    }),
  );
  const run = (options: RunStartOptions, params: Record<string, JsonValue>) => {
    const saved = editor.saved;
    const dag = saved !== null && saved.file === file ? { name: saved.name, version: saved.version } : { file };
    start.mutate({ dag, options, ...(Object.keys(params).length === 0 ? {} : { params }) });
  };

  const layout = async () => {
    const positions = await layoutOffMainThread(file.tasks);
    edit((current) => moveTasks(current, positions));
    requestFit();
  };

  const onImport = async (input: HTMLInputElement) => {
    const picked = input.files?.[0];
    input.value = "";
    if (picked === undefined || !confirmLeave()) return;
    const result = importDagText(await picked.text(), { layout: false });
    if (!result.ok) return setNotice({ text: `Cannot import ${picked.name}:\n${result.message}`, tone: "error" });
    const needsLayout = result.file.tasks.some((task) => task.position === undefined);
    openFile(needsLayout ? withPositions(result.file, await layoutOffMainThread(result.file.tasks)) : result.file, null);
  };

  const selectedTask = selection.tasks.size === 1 && selection.edges.size === 0 ? file.tasks.find((task) => selection.tasks.has(task.id)) : undefined;
  const selectedEdge = selection.tasks.size === 0 && selection.edges.size === 1 ? edges.find((edge) => selection.edges.has(edge.id)) : undefined;

  return (
    <div className="editor">
      <aside className="editor-side">
        <Palette entries={catalogue.data ?? NO_ENTRIES} isLoading={catalogue.isLoading} onAdd={addFromCatalogue} />
      </aside>
      <section className="editor-center">
        <EditorToolbar
          editor={editor}
          isModified={isModified}
          isStorageFull={draft.storageFull}
          check={check}
          isSaving={save.isPending}
          onOpen={(name) => {
            if (confirmLeave()) router.push(`/editor?dag=${encodeURIComponent(name)}`);
          }}
          onNew={() => {
            if (!confirmLeave()) return;
            editor.open(emptyDag(), null);
            setRestored(null);
            router.push("/editor");
          }}
          onLayout={() => void layout()}
          onFit={() => void flow.fitView({ padding: 0.2, duration: 200 })}
          onOpenFile={(opened) => {
            if (!confirmLeave()) return;
            openFile(opened, null);
            setRestored(null);
            router.push("/editor");
          }}
          onImport={(input) => void onImport(input)}
          onImportCode={(imported) => confirmLeave() && openFile(imported, null)}
          onSelectAll={() => setSelection({ tasks: new Set(fileRef.current.tasks.map((task) => task.id)), edges: new Set() })}
          onSave={() => save.mutate({ file })}
          onTogglePanel={(next) => setPanel(panel === next ? null : next)}
        />
        <div className="canvas" onDragOver={(event) => { if (event.dataTransfer.types.includes(FUNCTION_DRAG_TYPE)) { event.preventDefault(); event.dataTransfer.dropEffect = "copy"; } }} onDrop={onDrop} data-testid="canvas">
          {notice !== null && (
            <div className={`canvas-message notice ${notice.tone === "info" ? "notice-info" : ""}`} role={notice.tone === "error" ? "alert" : "status"} data-testid="canvas-notice" style={{ whiteSpace: "pre-wrap" }}>
              {notice.text}
            </div>
          )}
          {restored !== null && notice === null && (
            <DraftBanner
              restored={restored}
              onDismiss={() => setRestored(null)}
              onDiscard={() => {
                draft.discard(editor.saved?.name ?? null);
                if (editor.saved === null) editor.open(emptyDag(), null);
                else openFile(editor.saved.file, editor.saved);
                setRestored(null);
              }}
            />
          )}
          {panel === "run" && (
            <RunOptionsForm
              initialStrategy={strategy}
              initialOnFailure={file.onFailure ?? "fail_fast"}
              params={file.params}
              isBusy={start.isPending}
              error={start.error === null ? null : problemsFromError(start.error)}
              onRun={run}
              onCancel={() => setPanel(null)}
            />
          )}
          {panel === "versions" && editor.saved !== null && (
            <VersionsPanel
              name={editor.saved.name}
              current={editor.saved.version}
              onOpen={(opened, version) => {
                openFile(opened, { name: opened.name, version });
                setPanel(null);
              }}
              onClose={() => setPanel(null)}
            />
          )}
          <EditorCanvas
            tasks={file.tasks}
            nodes={nodes}
            edges={edges}
            isOverviewPainted={isOverviewPainted}
            overviewCards={overviewCards}
            decorations={decorations}
            highlight={highlight}
            fitRequest={fitRequest}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onDelete={onDelete}
            onFind={findTask}
          />
        </div>
      </section>
      <aside className="editor-side right">
        {selectedTask !== undefined ? (
          <TaskInspector
            key={selectedTask.id}
            file={file}
            task={selectedTask}
            catalogue={catalogue.data ?? []}
            machines={machines.data ?? []}
            problems={check.problems.byTask.get(selectedTask.id) ?? []}
            placement={check.placement[selectedTask.id]}
            onChange={editor.change}
            onRenamed={(taskId) => setSelection({ tasks: new Set([taskId]), edges: new Set() })}
          />
        ) : selectedEdge !== undefined && selectedEdge.data !== undefined ? (
          <EdgeInspector file={file} target={selectedEdge.target} index={selectedEdge.data.index} catalogue={catalogue.data ?? []} onChange={editor.change} onRemoved={() => setSelection({ tasks: new Set(), edges: new Set() })} />
        ) : (
          <DagInspector file={file} general={check.problems.general} problemCount={check.problemCount} onChange={editor.change} />
        )}
        {check.serverError !== null && <p className="notice section">Server check failed: {check.serverError}</p>}
      </aside>
    </div>
  );
}
