export { type BrewEntry, BrewFormatError, formatBrew, parseBrew } from "./brew-format.ts";
