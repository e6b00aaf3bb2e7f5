// Entry of each executor worker thread. Plain JavaScript: it installs the TypeScript loader and the SDK resolution
// hooks, then loads the worker itself (TypeScript).
import { registerModuleLoaders } from "../functions/register-module-loaders.mjs";

registerModuleLoaders();
await import("./worker-main.ts");
