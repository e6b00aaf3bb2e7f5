// Loaded with NODE_OPTIONS=--import (which refuses --cpu-prof): profiles this process until it exits and writes
// a .cpuprofile into HANDOFF_BENCH_PROFILE, named after HANDOFF_BENCH_PROFILE_NAME (default agent) (open it in Chrome DevTools or speedscope).
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

const dir = process.env.HANDOFF_BENCH_PROFILE;
if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  process.on("exit", () => {
    // On the main thread an inspector session answers synchronously, so this runs before the process ends.
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.env.HANDOFF_BENCH_PROFILE_NAME ?? "agent"}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
