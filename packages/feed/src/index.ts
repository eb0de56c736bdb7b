export { changeLine, type ChangeBatch } from "./change-batch.ts";
export { FeedHub, type ChangeRow } from "./feed-hub.ts";
export { startFeedServer, type FeedServer, type FeedServerOptions } from "./feed-server.ts";
export type { FeedSnapshot, FeedSource } from "./feed-source.ts";
