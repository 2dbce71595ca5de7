// One container's output through the logs route, written line by line to a shared printer under its name —
// what `berth logs` and an attached `berth up` show. Multiplexed frames and a TTY's raw stream both work.
import { StdFrameDecoder } from '../../engine/api/stdcopy.js';
import type { EngineClient, QueryValue } from '../../engine/client/index.js';
import type { LinePrinter } from '../render/log-prefix.js';

/** Resolves when the stream ends (the container stopped, or it was not followed); an abort ends it quietly. */
export async function printContainerOutput(
  client: EngineClient,
  containerId: string,
  name: string,
  printer: LinePrinter,
  query: Record<string, QueryValue>,
  signal: AbortSignal,
): Promise<void> {
  const response = await client.stream({
    path: `/containers/${containerId}/logs`,
    query: { stdout: true, stderr: true, ...query },
    signal,
  });
  const raw = String(response.headers['content-type'] ?? '').includes('raw-stream');
  const decoder = new StdFrameDecoder();
  try {
    for await (const chunk of response) {
      if (raw) printer.write(name, (chunk as Buffer).toString('utf8'));
      else
        for (const frame of decoder.push(chunk as Buffer))
          printer.write(name, frame.payload.toString('utf8'));
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
