import { defineFunctions } from "../define-function.ts";
import { std } from "./std.ts";

/** Every `std.*` function as a registry, ready to merge with your own. */
export const stdFunctions = defineFunctions(...Object.values(std));
