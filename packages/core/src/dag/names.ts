/** The names everything refers to: a task in a DAG, a machine in the cluster, a registered function. */
export type TaskId = string;
export type MachineName = string;
export type FunctionName = string;
