export * from "./dag/model.ts";
export * from "./errors.ts";
