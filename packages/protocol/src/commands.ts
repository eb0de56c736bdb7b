export const CMD_INDEX = 1;
export const CMD_REMOVE = 2;
export const CMD_QUERY = 3;

export const COMMAND_NAMES: readonly string[] = ["", "INDEX", "REMOVE", "QUERY"];
