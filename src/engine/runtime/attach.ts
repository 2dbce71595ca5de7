// Attach to a process held by conmon: its `attach` socket (SOCK_SEQPACKET, opened with the
// node-unix-socket addon since Node's net module cannot) carries output packets `<stream byte><data>`
// (2 = stdout, 3 = stderr; a TTY's output is all stdout) and takes raw stdin; the `ctl` FIFO resizes.
// A session holds two connections: output is read from one we never write to, stdin goes over the other.
// conmon may exit without reading stdin it was sent (a process that never reads it); closing a socket with
// unread packets resets its peer, and the reset discards output still queued there. Kept apart, only the
// input connection can be reset.
// Invariant: a session ends exactly once (`closed` resolves, after the last output) and never keeps the
// engine process alive by itself after close.
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
  const output = await connectToMonitor(bundleDir);
  let input: SeqpacketSocket;
  try {
    input = await connectToMonitor(bundleDir);
  } catch (error) {
    output.destroy();
    throw error;
  }

  let done = false;
  let inputOpen = true;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const closeInput = (): void => {
    inputOpen = false;
    input.destroy();
  };
  const finish = (): void => {
    if (done) return;
    done = true;
    output.destroy();
    closeInput();
    resolveClosed();
  };
  output.on('data', (packet: Buffer) => {
    const stream = STREAM_BY_BYTE[packet[0] ?? 0];
    if (stream !== undefined && packet.length > 1) options.onOutput?.(stream, packet.subarray(1));
  });
  output.on('end', finish);
  output.on('close', finish);
  output.on('error', finish);
  // conmon sends the output to every connection: this copy is read only to keep conmon's writes flowing.
  input.on('data', () => undefined);
  input.on('end', closeInput);
  input.on('error', closeInput);

  return {
    write(data) {
      if (!inputOpen) return;
      const buffer = typeof data === 'string' ? Buffer.from(data) : data;
      for (let offset = 0; offset < buffer.length; offset += MAX_STDIN_PACKET) {
        input.write(buffer.subarray(offset, Math.min(offset + MAX_STDIN_PACKET, buffer.length)));
      }
    },
    endInput() {
      if (inputOpen) input.end();
    },
    close: finish,
    closed,
  };
}

async function connectToMonitor(bundleDir: string): Promise<SeqpacketSocket> {
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
    return socket;
  } catch (error) {
    socket.destroy();
    throw new BerthError('Unavailable', `cannot attach: the container's monitor is not listening`, {
      cause: error,
    });
  } finally {
    closeSync(dirFd);
  }
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
