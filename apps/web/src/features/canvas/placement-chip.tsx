import { PLACEMENT_TONE_COLOR, type PlacementLabel } from "./placement-label.ts";

/** The card's "→ machine" chip in the editor (see `placementLabel`). */
export function PlacementChip({ id, label }: { id: string; label: PlacementLabel }) {
  return (
    <span className="chip" title={label.title} data-testid={`placement-${id}`} data-tone={label.tone} style={{ color: PLACEMENT_TONE_COLOR[label.tone] }}>
      {label.tone === "inline" ? label.text : `→ ${label.text}`}
    </span>
  );
}
