"use client";
import { useCallback, useEffect, useRef } from "react";

export const LEAVE_QUESTION = "This DAG has unsaved changes. Leave anyway? (They stay as a draft in this browser.)";

/**
 * Warns before unsaved changes are left behind: the browser's own prompt on reload or close, a confirm on
 * any link that leaves the editor (caught before Next's router sees the click). Returns `confirmLeave` for
 * the editor's own navigations (Open…, New DAG).
 */
export function useUnsavedGuard(isModified: boolean): () => boolean {
  const modified = useRef(isModified);
  modified.current = isModified;

  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!modified.current) return;
      event.preventDefault();
      event.returnValue = "";
    };
    const onClick = (event: MouseEvent) => {
      if (!modified.current || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || link.target === "_blank" || link.hasAttribute("download")) return;
      const to = new URL(link.href, window.location.href);
      if (to.origin === window.location.origin && to.pathname === window.location.pathname && to.search === window.location.search) return;
      if (window.confirm(LEAVE_QUESTION)) return;
      event.preventDefault();
      event.stopPropagation();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    window.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("click", onClick, true);
    };
  }, []);

  return useCallback(() => !modified.current || window.confirm(LEAVE_QUESTION), []);
}
