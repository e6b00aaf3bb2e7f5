// Plain JavaScript: it runs first in each executor worker, before any TypeScript loader exists.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";
import { PROVIDED_PACKAGES } from "./provided-packages.mjs";

let registered = false;

/**
 * Lets this thread `import()` function modules written in TypeScript from any folder: registers tsx's loader
 * globally (not namespaced, so modules and the agent share one SDK instance, hence one `currentTask()` store) and
 * the hook that resolves `@handoff/sdk`, `@handoff/protocol` and `zod` to the agent's own copies. Idempotent.
 */
export function registerModuleLoaders() {
  if (registered) return;
  registered = true;
  registerTsx();
  register(new URL("./sdk-resolve-hooks.mjs", import.meta.url), {
    data: { anchor: import.meta.url, provided: PROVIDED_PACKAGES },
  });
}
