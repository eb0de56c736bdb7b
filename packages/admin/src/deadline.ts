/**
 * Resolves to what `work` resolves to, or to `fallback` if it takes longer
 * than `ms` or rejects. The timer is cleared either way.
 */
export function withDeadline<T>(work: () => Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    let promise: Promise<T>;
    try {
      promise = work();
    } catch {
      clearTimeout(timer);
      resolve(fallback);
      return;
    }
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}
