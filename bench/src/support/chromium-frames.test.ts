import { describe, expect, it } from "vitest";
import { framesFromTrace, type ReporterEvent } from "./chromium-frames.ts";

const VSYNC_US = 16_667;
const frame = (sequence: number, state: string, extra: { frameType?: string; tree?: number; pid?: number } = {}): ReporterEvent => ({
  name: "PipelineReporter",
  ph: "b",
  pid: extra.pid ?? 1,
  ts: 1_000_000 + sequence * VSYNC_US,
  args: { frame_reporter: { frame_sequence: sequence, state, layer_tree_host_id: extra.tree ?? 6, ...(extra.frameType === undefined ? {} : { frame_type: extra.frameType }) } },
});

describe("Chromium's frames from the compositor's frame reporter", () => {
  it("counts a run of dropped frames as one long frame, from the last settled vsync to the presented one", () => {
    const figures = framesFromTrace([frame(1, "STATE_PRESENTED_ALL"), frame(2, "STATE_PRESENTED_ALL"), frame(3, "STATE_DROPPED"), frame(4, "STATE_DROPPED"), frame(5, "STATE_PRESENTED_PARTIAL")]);
    expect(figures).toMatchObject({ wanted: 5, presented: 3, dropped: 2 });
    expect(figures.intervalsMs.map((ms) => Math.round(ms))).toEqual([17, 50]);
  });

  it("does not count vsyncs that wanted nothing, and starts afresh after them", () => {
    const figures = framesFromTrace([frame(1, "STATE_PRESENTED_ALL"), frame(2, "STATE_NO_UPDATE_DESIRED"), frame(3, "STATE_NO_UPDATE_DESIRED"), frame(4, "STATE_PRESENTED_ALL")]);
    expect(figures).toMatchObject({ wanted: 2, presented: 2, dropped: 0 });
    expect(figures.intervalsMs.map((ms) => Math.round(ms))).toEqual([17]);
  });

  it("does not count vsyncs the compositor was not even asked for (idle, so unreported): a gap in the sequence starts afresh", () => {
    // As Chromium reports a live run view: a frame that wanted nothing, then ~1 s with no reporter at all, then a change.
    const figures = framesFromTrace([frame(1, "STATE_PRESENTED_ALL"), frame(2, "STATE_NO_UPDATE_DESIRED"), frame(60, "STATE_PRESENTED_ALL"), frame(61, "STATE_PRESENTED_ALL")]);
    expect(figures).toMatchObject({ wanted: 3, presented: 3, dropped: 0 });
    expect(figures.intervalsMs.map((ms) => Math.round(ms))).toEqual([17]);
  });

  it("still counts dropped frames that run up to an unreported gap, up to the last of them", () => {
    const figures = framesFromTrace([frame(1, "STATE_PRESENTED_ALL"), frame(2, "STATE_DROPPED"), frame(3, "STATE_DROPPED"), frame(40, "STATE_PRESENTED_ALL")]);
    expect(figures).toMatchObject({ wanted: 4, presented: 2, dropped: 2 });
    expect(figures.intervalsMs.map((ms) => Math.round(ms))).toEqual([50]);
  });

  it("takes a sequence reported twice (its main-thread fork) as presented when either part was", () => {
    const figures = framesFromTrace([frame(1, "STATE_PRESENTED_ALL"), frame(2, "STATE_PRESENTED_ALL"), frame(2, "STATE_DROPPED", { frameType: "FORKED" })]);
    expect(figures).toMatchObject({ presented: 2, dropped: 0 });
  });

  it("reads the layer tree with the most frames (the page's), not another one", () => {
    const figures = framesFromTrace([frame(1, "STATE_PRESENTED_ALL"), frame(2, "STATE_PRESENTED_ALL"), frame(3, "STATE_PRESENTED_ALL"), frame(1, "STATE_DROPPED", { pid: 2, tree: 1 })]);
    expect(figures).toMatchObject({ wanted: 3, presented: 3, dropped: 0 });
  });
});
