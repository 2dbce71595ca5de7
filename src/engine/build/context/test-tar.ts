// Builds small tar archives in memory for the tests of this directory.
import * as tar from 'tar-stream';

export type TarItem = Partial<tar.Header> & { name: string; body?: string };

export async function makeTar(items: TarItem[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { body, ...header } of items) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if ((header.type ?? 'file') === 'file') pack.entry(header, Buffer.from(body ?? ''), done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}
