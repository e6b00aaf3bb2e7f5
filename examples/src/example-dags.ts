import edgeTransforms from "../edge-transforms.dag.json" with { type: "json" };
import fanOutFanIn from "../fan-out-fan-in.dag.json" with { type: "json" };
import pinning from "../pinning.dag.json" with { type: "json" };
import wordCount from "../word-count.dag.json" with { type: "json" };

/**
 * The example DAG files as they are on disk, for the dashboard's Open… menu (parse them with `DagFile`). They run on
 * the local agent of `npm start`, which loads `pipeline.ts` and `showcase.ts`.
 */
export const EXAMPLE_DAG_FILES: readonly unknown[] = [wordCount, fanOutFanIn, edgeTransforms, pinning];
