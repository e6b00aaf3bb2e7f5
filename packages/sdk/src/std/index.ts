export { std } from "./std.ts";
export { stdFunctions } from "./std-functions.ts";
