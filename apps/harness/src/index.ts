export { ConnectError, connect, REPLY_ERROR, REPLY_FAIL, REPLY_OK } from "./connection.ts";
export { type Dataset, DataError, dependentsOf, describe, indexLine, isValidName, loadBrewFile, parseBrew, toBrew, topoOrder } from "./dataset.ts";
export { generateDag } from "./generate.ts";
export { type HarnessOptions, type Progress, runHarness } from "./harness.ts";
export { MALFORMED_KINDS, malformedLine } from "./malformed.ts";
export { Model } from "./model.ts";
export { Rng } from "./rng.ts";
