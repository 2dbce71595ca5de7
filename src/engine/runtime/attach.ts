// Attach to a process held by conmon: its `attach` socket (SOCK_SEQPACKET, opened with the
// node-unix-socket addon since Node's net module cannot) carries output packets `<stream byte><data>`
// (2 = stdout, 3 = stderr; a TTY's output is all stdout) and takes raw stdin; the `ctl` FIFO resizes.
// Invariant: a session ends exactly once (`closed` resolves) and never keeps the engine process alive by
// itself after close.
import { closeSync, constants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SeqpacketSocket } from 'node-unix-socket';
import { BerthError } from '../../shared/errors.js';

export type OutputStream = 'stdout' | 'stderr';

export interface AttachOptions {
  /** Receives each chunk of output as the process writes it. */
  onOutput?: (stream: OutputStream, data: Buffer) => void;
}

export interface AttachSession {
  /** Sends bytes to the process's stdin (ignored by conmon unless stdin was opened). */
  write(data: Buffer | string): void;
  /** Closes stdin (conmon closes the process's stdin unless told to leave it open). */
  endInput(): void;
  /** Detaches without touching the process. */
  close(): void;
  /** Resolves when the monitor closes the socket (the process exited) or close() was called. */
  closed: Promise<void>;
}

const STREAM_BY_BYTE: Record<number, OutputStream> = { 2: 'stdout', 3: 'stderr' };
// conmon reads stdin packets into a buffer of this size; larger writes are split.
const MAX_STDIN_PACKET = 8192;

export async function attachToMonitor(
  bundleDir: string,
  options: AttachOptions = {},
): Promise<AttachSession> {
  // sun_path holds 107 bytes; going through /proc/self/fd/N keeps any bundle path short enough.
  const dirFd = openSync(bundleDir, constants.O_RDONLY | constants.O_DIRECTORY);
  const socket = new SeqpacketSocket();
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(`/proc/self/fd/${dirFd}/attach`, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    socket.destroy();
    throw new BerthError('Unavailable', `cannot attach: the container's monitor is not listening`, {
      cause: error,
    });
  } finally {
    closeSync(dirFd);
  }

  let done = false;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const finish = (): void => {
    if (done) return;
    done = true;
    socket.destroy();
    resolveClosed();
  };
  socket.on('data', (packet: Buffer) => {
    const stream = STREAM_BY_BYTE[packet[0] ?? 0];
    if (stream !== undefined && packet.length > 1) options.onOutput?.(stream, packet.subarray(1));
  });
  socket.on('end', finish);
  socket.on('close', finish);
  socket.on('error', finish);

  return {
    write(data) {
      if (done) return;
      const buffer = typeof data === 'string' ? Buffer.from(data) : data;
      for (let offset = 0; offset < buffer.length; offset += MAX_STDIN_PACKET) {
        socket.write(buffer.subarray(offset, Math.min(offset + MAX_STDIN_PACKET, buffer.length)));
      }
    },
    endInput() {
      if (!done) socket.end();
    },
    close: finish,
    closed,
  };
}

/** Asks conmon to resize the terminal it holds; fails at once if no monitor reads the FIFO. */
export async function resizeTerminal(bundleDir: string, height: number, width: number): Promise<void> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new BerthError('InvalidArgument', `invalid terminal size ${height}x${width}`);
  }
  let handle;
  try {
    // Non-blocking: opening a FIFO for writing with no reader would otherwise wait forever.
    handle = await open(join(bundleDir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new BerthError('Conflict', 'cannot resize: the container is not running', { cause: error });
  }
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}
