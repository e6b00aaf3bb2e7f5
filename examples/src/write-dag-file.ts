import { writeFileSync } from "node:fs";
import { wordCountDag } from "./pipeline.ts";

/** Regenerates examples/word-count.dag.json (what `npm run handoff -- run` takes). */
const dag = wordCountDag(["The quick brown fox jumps over the lazy dog", "The dog sleeps; the fox runs", "A fox, a dog and the moon"]);
writeFileSync(new URL("../word-count.dag.json", import.meta.url), `${JSON.stringify(dag.toJSON(), null, 2)}\n`);
