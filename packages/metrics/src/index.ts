export { CommandStats } from "./command-stats.ts";
