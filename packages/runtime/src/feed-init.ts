import { changeLine, type ChangeBatch } from "@pkgindex/feed";
import type { IndexEngine } from "./index-engine.ts";

/** What the feed starts from: the index as loaded, its revision, and the history the store kept. */
export interface FeedInit {
  revision: number;
  /** One `name|a,b` line per package. */
  packages: string;
  history: ChangeBatch[];
}

/** Read once, right after the engine loaded and before it applies anything. */
export function feedInit(engine: IndexEngine): FeedInit {
  let packages = "";
  engine.graph.forEachPackage((name, deps) => {
    packages += `${name}|${deps.join(",")}\n`;
  });
  const history: ChangeBatch[] = [];
  engine.store.loadChanges(engine.store.oldestRevision - 1, (change) => {
    const line = changeLine(change.command === "INDEX", change.name, change.deps.join(","));
    const last = history.at(-1);
    if (last !== undefined && last.at === change.at) last.text += line;
    else history.push({ first: change.revision, at: change.at, text: line });
  });
  return { revision: engine.publishedRevision, packages, history };
}
