export { main } from "./cli.ts";
export { autoWorkers } from "./options.ts";
