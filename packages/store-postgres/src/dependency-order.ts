/**
 * Kahn's algorithm over packages 0..count-1 where package i depends on
 * depList[depStart[i] .. depStart[i + 1]): returns an order in which each of
 * the first `ordered` packages comes after all its dependencies; the rest
 * (on or behind a cycle, only possible with cycles allowed) follow in index
 * order. Typed arrays only, so 200,000 packages order in milliseconds.
 */
export function dependencyOrder(count: number, depStart: Int32Array, depList: Int32Array): { order: Int32Array; ordered: number } {
  const remaining = new Int32Array(count);
  const revStart = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) remaining[i] = depStart[i + 1] - depStart[i];
  const edgeCount = depStart[count];
  for (let e = 0; e < edgeCount; e++) revStart[depList[e] + 1]++;
  for (let i = 0; i < count; i++) revStart[i + 1] += revStart[i];
  const cursor = revStart.slice(0, count);
  const revList = new Int32Array(edgeCount);
  for (let i = 0; i < count; i++) {
    for (let e = depStart[i]; e < depStart[i + 1]; e++) revList[cursor[depList[e]]++] = i;
  }
  const order = new Int32Array(count);
  let tail = 0;
  for (let i = 0; i < count; i++) if (remaining[i] === 0) order[tail++] = i;
  for (let head = 0; head < tail; head++) {
    const v = order[head];
    for (let r = revStart[v]; r < revStart[v + 1]; r++) {
      if (--remaining[revList[r]] === 0) order[tail++] = revList[r];
    }
  }
  const ordered = tail;
  for (let i = 0; i < count && tail < count; i++) if (remaining[i] > 0) order[tail++] = i;
  return { order, ordered };
}
