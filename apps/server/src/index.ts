export { main } from "./cli.ts";
export { autoWorkers, validateServeOptions } from "./options.ts";
