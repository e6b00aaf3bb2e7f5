// An executor worker of the single-file agent: what src/executor/worker-entry.mjs does for the source tree, without
// tsx (which needs esbuild's native binary). Function modules resolve the provided packages to this thread's own
// copies and load TypeScript through the hooks of module-hooks.mjs.
import { Buffer } from "node:buffer";
import nodeModule from "node:module";
import * as protocol from "@handoff/protocol";
import * as protocolGrant from "@handoff/protocol/grant";
import * as sdk from "@handoff/sdk";
import * as zod from "zod";
import * as zodMini from "zod/mini";
import * as zodV4 from "zod/v4";
import * as zodCore from "zod/v4/core";
import { PROVIDED_PACKAGES } from "../../src/functions/provided-packages.mjs";

/** The module hooks, bundled with sucrase into one ES module's source by scripts/bundle.mjs (esbuild `define`). */
declare const HANDOFF_MODULE_HOOKS_SOURCE: string;

/** Bare specifiers a function module may import without node_modules, and the copy each resolves to. */
const PROVIDED: Readonly<Record<string, object>> = {
  "@handoff/sdk": sdk,
  "@handoff/protocol": protocol,
  "@handoff/protocol/grant": protocolGrant,
  zod,
  "zod/v4": zodV4,
  "zod/mini": zodMini,
  "zod/v4/core": zodCore,
};

/** Exposes the provided packages, registers the hooks, then runs the worker itself (src/executor/worker-main.ts). */
export async function startExecutorWorker(): Promise<void> {
  (globalThis as { __handoffProvided?: Readonly<Record<string, object>> }).__handoffProvided = PROVIDED;
  const provided = Object.fromEntries(Object.entries(PROVIDED).map(([specifier, namespace]) => [specifier, reexportUrl(specifier, namespace)]));
  nodeModule.register(`data:text/javascript;base64,${Buffer.from(HANDOFF_MODULE_HOOKS_SOURCE).toString("base64")}`, {
    data: { provided, packages: PROVIDED_PACKAGES },
  });
  await import("../../src/executor/worker-main.ts");
}

/** A `data:` module exporting every export of `namespace`, read from `globalThis.__handoffProvided` in this thread. */
function reexportUrl(specifier: string, namespace: object): string {
  const names = Object.keys(namespace);
  const lines = [`const m = globalThis.__handoffProvided[${JSON.stringify(specifier)}];`];
  names.forEach((name, i) => lines.push(`const v${i} = m[${JSON.stringify(name)}];`));
  lines.push(`export { ${names.map((name, i) => `v${i} as ${JSON.stringify(name)}`).join(", ")} };`);
  return `data:text/javascript;base64,${Buffer.from(lines.join("\n")).toString("base64")}`;
}
