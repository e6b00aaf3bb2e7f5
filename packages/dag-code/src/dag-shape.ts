import { DagFile, TaskJson } from "@handoff/protocol";

// One order, the file format's: the exporter prints a task's fields and the DAG's options in the order
// the schema declares them, and the importer accepts exactly these options on `new Dag(name, options)`.
export const TASK_FIELDS: readonly string[] = Object.keys(TaskJson.shape);
export const DAG_OPTIONS: readonly string[] = Object.keys(DagFile.shape).filter((key) => !["format", "version", "name", "tasks"].includes(key));
