import { DAG_FILE_FORMAT, DAG_FILE_VERSION, type DagFile } from "@handoff/protocol";

export function emptyDag(name = "untitled"): DagFile {
  return { format: DAG_FILE_FORMAT, version: DAG_FILE_VERSION, name, tasks: [] };
}
