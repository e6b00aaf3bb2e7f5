/** Every keyboard shortcut of the editor, as the "?" sheet lists them (Ctrl is ⌘ on a Mac). */
export const EDITOR_SHORTCUTS: readonly { readonly keys: string; readonly action: string }[] = [
  { keys: "Ctrl+S", action: "Save (also from inside a field)" },
  { keys: "Ctrl+Z", action: "Undo" },
  { keys: "Ctrl+Shift+Z / Ctrl+Y", action: "Redo" },
  { keys: "Ctrl+A", action: "Select every task" },
  { keys: "Ctrl+C / Ctrl+V", action: "Copy / paste the selected tasks" },
  { keys: "Delete / Backspace", action: "Remove the selected tasks or edges" },
  { keys: "Shift+drag", action: "Select tasks in a box" },
  { keys: "Ctrl+click", action: "Add a task to the selection" },
  { keys: "Ctrl+K", action: "Find a task by id, label or function and jump to it" },
  { keys: "?", action: "Show or hide this list" },
  { keys: "Esc", action: "Close this list" },
];

/** True when a key press is meant for a field being typed in, not for the canvas. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
