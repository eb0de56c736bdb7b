export { ConnectError, connect, HarnessConnection, REPLY_ERROR, REPLY_FAIL, REPLY_NAMES, REPLY_OK, type Endpoint } from "./connection.ts";
export { type Dataset, DataError, dependentsOf, describe, indexLine, isValidName, loadBrewFile, parseBrew, toBrew, topoOrder } from "./dataset.ts";
export { generateDag, type GenerateOptions } from "./generate.ts";
export { type Failure, type HarnessOptions, type HarnessResult, PHASES, PHASE_TITLES, type PhaseName, type PhaseSummary, type Progress, runHarness } from "./harness.ts";
export { MALFORMED_KINDS, malformedLine } from "./malformed.ts";
export { Model } from "./model.ts";
export { formatSummary } from "./report.ts";
export { Rng } from "./rng.ts";
