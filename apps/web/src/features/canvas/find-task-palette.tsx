"use client";
import { useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { findTasks, type FindableTask } from "./find-tasks.ts";
import { APPROX_NODE_SIZE } from "./overview.ts";
import { OVERVIEW_CANVAS_MIN_TASKS } from "./overview-canvas.tsx";

/** The zoom a jump lands at (at least): the detailed card, readable. */
const JUMP_ZOOM = 0.9;
const JUMP_MS = 250;

/**
 * Centres the canvas on a task at reading zoom, animated (render inside a ReactFlowProvider). `positionOf`
 * answers for tasks React Flow does not hold (the painted overview of a very large DAG holds none).
 *
 * In a DAG of `taskCount` tasks large enough to be painted far out, `isPaintedJump` is true while the jump
 * animates: the caller shows the painted overview meanwhile, so the cards mount once, where the jump lands.
 * Animated through the zoom tiers as cards, a jump from the overview of 1,000 tasks mounted the cards of
 * each tier on its way in (a few hundred at zoom 0.3), re-rendered them at the next tier, and only then the
 * destination's. Ends with the animation, or when it cannot have gone on longer (the user's own pan or
 * zoom interrupts an animation without ending it).
 */
export function useJumpToTask(positionOf: (taskId: string) => { x: number; y: number } | undefined, taskCount: number): { jumpToTask: (taskId: string) => void; isPaintedJump: boolean } {
  const flow = useReactFlow();
  // The jump the painted overview is shown for (null: none), and its fallback end.
  const [painted, setPainted] = useState<number | null>(null);
  const jumps = useRef(0);
  const fallback = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(fallback.current), []);
  const isPaintable = taskCount >= OVERVIEW_CANVAS_MIN_TASKS;
  const jumpToTask = useCallback(
    (taskId: string) => {
      const node = flow.getInternalNode(taskId);
      const at = node?.internals.positionAbsolute ?? positionOf(taskId);
      if (at === undefined) return;
      const width = node?.measured.width ?? APPROX_NODE_SIZE.width;
      const height = node?.measured.height ?? APPROX_NODE_SIZE.height;
      const animation = flow.setCenter(at.x + width / 2, at.y + height / 2, { zoom: Math.max(flow.getZoom(), JUMP_ZOOM), duration: JUMP_MS });
      if (!isPaintable) return;
      const jump = (jumps.current += 1);
      setPainted(jump);
      const land = () => setPainted((current) => (current === jump ? null : current));
      void animation.then(land);
      clearTimeout(fallback.current);
      fallback.current = setTimeout(land, 2 * JUMP_MS);
    },
    [flow, positionOf, isPaintable],
  );
  return { jumpToTask, isPaintedJump: painted !== null };
}

/**
 * "Find a task" (Ctrl+K, or its button): type part of an id, label or function; ↑/↓ pick, Enter jumps to the
 * task and selects it (`onPick`), Escape closes. Render inside the canvas element (it is positioned over it).
 */
export function FindTaskPalette({ tasks, onPick, children }: { tasks: readonly FindableTask[]; onPick: (taskId: string) => void; children?: ReactNode }) {
  const [isOpen, setIsOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const found = useMemo(() => (isOpen ? findTasks(tasks, query) : []), [isOpen, tasks, query]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setIsOpen(true);
        setActive(0);
        setTimeout(() => input.current?.select(), 0);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const pick = (taskId: string | undefined) => {
    if (taskId === undefined) return;
    setIsOpen(false);
    onPick(taskId);
  };

  const tools = (
    <div className="canvas-tools">
      {children}
      <button type="button" className="btn btn-small" onClick={() => { setIsOpen(true); setActive(0); }} title="Find a task by id or function (Ctrl+K)" data-testid="find-task-open">
        Find <span className="muted">Ctrl+K</span>
      </button>
    </div>
  );
  if (!isOpen) return tools;
  return (
    <>
    {tools}
    <div className="find-palette" role="dialog" aria-label="Find a task" data-testid="find-task">
      <input
        ref={input}
        autoFocus
        value={query}
        placeholder={`Find among ${tasks.length} tasks by id or function…`}
        aria-label="task id or function"
        data-testid="find-task-input"
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onBlur={() => setTimeout(() => setIsOpen(false), 150)}
        onKeyDown={(event) => {
          if (event.key === "Escape") setIsOpen(false);
          else if (event.key === "ArrowDown") setActive((n) => Math.min(n + 1, found.length - 1));
          else if (event.key === "ArrowUp") setActive((n) => Math.max(n - 1, 0));
          else if (event.key === "Enter") pick(found[active]?.id);
          else return;
          event.preventDefault();
          event.stopPropagation();
        }}
      />
      <ul role="listbox" data-testid="find-task-results">
        {found.length === 0 && <li className="muted">no task matches “{query}”</li>}
        {found.map((task, index) => (
          <li key={task.id} role="option" aria-selected={index === active} className={index === active ? "active" : undefined} onMouseDown={(event) => { event.preventDefault(); pick(task.id); }} onMouseEnter={() => setActive(index)}>
            <strong className="mono">{task.id}</strong>
            {task.label !== undefined && <span>{task.label}</span>}
            <span className="muted mono">{task.fn}</span>
          </li>
        ))}
      </ul>
    </div>
    </>
  );
}
