"use client";
import { EDITOR_SHORTCUTS } from "./keyboard-shortcuts.ts";
import { useEditorShortcuts } from "./use-editor-shortcuts.ts";

/** The toolbar's "?" button and the sheet of keyboard shortcuts it opens (also on "?"); owns Ctrl+A too. */
export function KeyboardShortcuts({ onSelectAll }: { onSelectAll: () => void }) {
  const { isSheetOpen, setSheetOpen } = useEditorShortcuts(onSelectAll);
  return (
    <>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => setSheetOpen(!isSheetOpen)} title="Keyboard shortcuts (?)" aria-label="keyboard shortcuts" data-testid="shortcuts-button">
        ?
      </button>
      {isSheetOpen && (
        <div className="shortcuts-backdrop" onClick={() => setSheetOpen(false)}>
          <div className="panel shortcuts-sheet" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-sheet" onClick={(event) => event.stopPropagation()}>
            <div className="row section">
              <h2 style={{ margin: 0 }}>Keyboard shortcuts</h2>
              <span className="spacer" />
              <button type="button" className="btn btn-small btn-ghost" onClick={() => setSheetOpen(false)} aria-label="close">
                ×
              </button>
            </div>
            <table className="table">
              <tbody>
                {EDITOR_SHORTCUTS.map((shortcut) => (
                  <tr key={shortcut.keys}>
                    <td>
                      <kbd>{shortcut.keys}</kbd>
                    </td>
                    <td>{shortcut.action}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted section" style={{ margin: 0 }}>
              On a Mac, ⌘ stands for Ctrl.
            </p>
          </div>
        </div>
      )}
    </>
  );
}
