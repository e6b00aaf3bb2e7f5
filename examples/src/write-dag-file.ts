import { writeFileSync } from "node:fs";
import { EXAMPLE_BUILDERS } from "./example-builders.ts";

/** Regenerates the example DAG files (examples/*.dag.json: what `npm run handoff -- run` takes and the dashboard's Open… lists). */
for (const [name, build] of Object.entries(EXAMPLE_BUILDERS)) {
  writeFileSync(new URL(`../${name}.dag.json`, import.meta.url), `${JSON.stringify(build().toJSON(), null, 2)}\n`);
}
