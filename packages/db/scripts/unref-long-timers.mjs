// Preloaded into `prisma migrate deploy` (PostgreSQL) by src/deploy-migrations.ts: Prisma 6.19's wasm
// schema engine arms a 10 s timer (a lock timeout) that it never clears, so the CLI lingers 10 s after
// finishing. Unref'd, the timer still fires if the process is genuinely waiting (its sockets keep it
// alive), but no longer holds an idle process open.
const setTimeoutOriginal = globalThis.setTimeout;
globalThis.setTimeout = function setTimeoutUnrefLong(callback, ms, ...args) {
  const timer = setTimeoutOriginal(callback, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && typeof timer?.unref === "function") timer.unref();
  return timer;
};
