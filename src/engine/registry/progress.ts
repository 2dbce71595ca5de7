// Pull and push report progress as events; the server turns them into Docker's JSON progress lines and the CLI
// draws them. `id` is a short layer id (12 hex of the blob digest) or absent for whole-image lines.

export interface RegistryProgress {
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export type ProgressSink = (event: RegistryProgress) => void;

export function shortId(digest: string): string {
  const colon = digest.indexOf(':');
  return digest.slice(colon + 1, colon + 13);
}

/** Bounded parallel map: at most `limit` calls of `work` run at once; the first failure rejects. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  await Promise.all(runners);
  return results;
}

/** A limiter: `limit(work)` runs `work` once fewer than `concurrency` others are running. */
export function createLimiter(concurrency: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (running >= concurrency) return;
    const start = queue.shift();
    if (start !== undefined) start();
  };
  return <T>(work: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        running++;
        work()
          .then(resolve, reject)
          .finally(() => {
            running--;
            next();
          });
      });
      next();
    });
}
