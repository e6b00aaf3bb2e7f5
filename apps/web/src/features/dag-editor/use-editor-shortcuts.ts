"use client";
import { useEffect, useRef, useState } from "react";
import { isTypingTarget } from "./keyboard-shortcuts.ts";

/**
 * The editor's "?" sheet and Ctrl+A: "?" toggles the shortcuts sheet, Esc closes it, and Ctrl+A (⌘A) selects
 * every task instead of the page's text — except while typing in a field, where both keep their usual meaning.
 */
export function useEditorShortcuts(onSelectAll: () => void): { isSheetOpen: boolean; setSheetOpen: (open: boolean) => void } {
  const [isSheetOpen, setSheetOpen] = useState(false);
  const selectAll = useRef(onSelectAll);
  selectAll.current = onSelectAll;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target)) return;
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "a") {
        event.preventDefault();
        selectAll.current();
      } else if (event.key === "?" && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        setSheetOpen((open) => !open);
      } else if (event.key === "Escape") setSheetOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return { isSheetOpen, setSheetOpen };
}
