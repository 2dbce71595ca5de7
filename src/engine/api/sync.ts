// The wire format of berth's own sync route (POST /containers/{id}/berth/sync, not part of Docker's API): a
// stream of frames, each a 4-byte big-endian header length, a JSON header, then — for a `write` — exactly
// `size` raw bytes. Thousands of files travel in one request without tar or base64.
// Invariant: the decoder never buffers more than one header plus one chunk of content; a frame that lies about
// its length ends the stream with an error instead of being misread as the next header.
import { BerthError } from '../../shared/errors.js';

/** One change to a container's filesystem; `path` is absolute inside the container. */
export type SyncEntry =
  | { op: 'write'; path: string; mode: number; size: number }
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'delete'; path: string };

/** A write with its content, as the client sends it. */
export type SyncChange =
  | { op: 'write'; path: string; mode: number; content: Buffer | (() => Promise<Buffer>) }
  | Exclude<SyncEntry, { op: 'write' }>;

export interface SyncResult {
  applied: number;
  errors: Array<{ path: string; message: string }>;
}

/** One entry of a container's tree (GET /containers/{id}/berth/tree?path=): `path` relative to the root asked. */
export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  /** sha256 hex of a regular file's content. */
  sha256?: string;
  target?: string;
}

export const MAX_HEADER_BYTES = 64 * 1024;

/** The frame header for one entry. */
export function encodeHeader(entry: SyncEntry): Buffer {
  const json = Buffer.from(JSON.stringify(entry));
  const frame = Buffer.allocUnsafe(4 + json.length);
  frame.writeUInt32BE(json.length, 0);
  json.copy(frame, 4);
  return frame;
}

/** Encodes changes into frames, loading lazy contents one at a time; small frames are sent together. */
export async function* encodeChanges(
  changes: Iterable<SyncChange> | AsyncIterable<SyncChange>,
): AsyncGenerator<Buffer> {
  const CHUNK = 256 * 1024;
  let parts: Buffer[] = [];
  let size = 0;
  const push = (buffer: Buffer) => {
    parts.push(buffer);
    size += buffer.length;
  };
  const take = () => {
    const out = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };
  // File contents are read a few ahead of the one being sent, so disk reads overlap with sending.
  const AHEAD = 16;
  const window: Array<{ change: SyncChange; content?: Promise<Buffer> }> = [];
  const load = (change: SyncChange) => ({
    change,
    ...(change.op === 'write'
      ? { content: typeof change.content === 'function' ? change.content() : Promise.resolve(change.content) }
      : {}),
  });
  const emit = async (item: { change: SyncChange; content?: Promise<Buffer> }) => {
    const { change } = item;
    if (change.op !== 'write') push(encodeHeader(change));
    else {
      const content = (await item.content) as Buffer;
      push(encodeHeader({ op: 'write', path: change.path, mode: change.mode, size: content.length }));
      if (content.length > 0) push(content);
    }
  };
  for await (const change of changes) {
    const item = load(change);
    item.content?.catch(() => undefined); // awaited in order below; not an unhandled rejection meanwhile
    window.push(item);
    if (window.length < AHEAD) continue;
    await emit(window.shift() as (typeof window)[number]);
    if (size >= CHUNK) yield take();
  }
  for (const item of window) {
    await emit(item);
    if (size >= CHUNK) yield take();
  }
  if (size > 0) yield take();
}

/** A decoded entry; a write's content is handed over as chunks that must be consumed before the next entry. */
export interface DecodedEntry {
  entry: SyncEntry;
  content: AsyncGenerator<Buffer>;
}

/** Decodes a frame stream. Each entry's `content` must be drained (or it is skipped) before asking for the next. */
export async function* decodeChanges(source: AsyncIterable<Buffer | string>): AsyncGenerator<DecodedEntry> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let done = false;
  const fill = async (wanted: number): Promise<boolean> => {
    while (pending.length < wanted && !done) {
      const next = await iterator.next();
      if (next.done === true) done = true;
      else {
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      }
    }
    return pending.length >= wanted;
  };
  for (;;) {
    if (!(await fill(4))) {
      if (pending.length > 0) throw new BerthError('InvalidArgument', 'sync stream ended inside a frame');
      return;
    }
    const length = pending.readUInt32BE(0);
    if (length > MAX_HEADER_BYTES) throw new BerthError('InvalidArgument', 'sync frame header too large');
    if (!(await fill(4 + length)))
      throw new BerthError('InvalidArgument', 'sync stream ended inside a header');
    const entry = parseEntry(pending.subarray(4, 4 + length).toString('utf8'));
    pending = pending.subarray(4 + length);
    let remaining = entry.op === 'write' ? entry.size : 0;
    const content = (async function* (): AsyncGenerator<Buffer> {
      while (remaining > 0) {
        if (pending.length === 0 && !(await fill(1)))
          throw new BerthError('InvalidArgument', `sync stream ended inside ${entry.path}`);
        const part = pending.subarray(0, Math.min(remaining, pending.length));
        pending = pending.subarray(part.length);
        remaining -= part.length;
        yield part;
      }
    })();
    yield { entry, content };
    // Whatever the consumer left unread is skipped, so the next header is found where it belongs.
    for await (const _ of content) void _;
    if (remaining > 0) throw new BerthError('InvalidArgument', `sync stream ended inside ${entry.path}`);
  }
}

function parseEntry(text: string): SyncEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BerthError('InvalidArgument', 'sync frame header is not JSON', { cause: error });
  }
  const entry = value as Partial<SyncEntry> & Record<string, unknown>;
  if (typeof entry.path !== 'string' || entry.path === '')
    throw new BerthError('InvalidArgument', 'sync entry without a path');
  const number = (key: string) => {
    const v = entry[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new BerthError(
        'InvalidArgument',
        `sync entry ${entry.path}: ${key} must be a non-negative integer`,
      );
    return v;
  };
  switch (entry.op) {
    case 'write':
      return { op: 'write', path: entry.path, mode: number('mode') & 0o7777, size: number('size') };
    case 'mkdir':
      return { op: 'mkdir', path: entry.path, mode: number('mode') & 0o7777 };
    case 'symlink':
      if (typeof entry.target !== 'string' || entry.target === '')
        throw new BerthError('InvalidArgument', `sync entry ${entry.path}: symlink without a target`);
      return { op: 'symlink', path: entry.path, target: entry.target };
    case 'delete':
      return { op: 'delete', path: entry.path };
    default:
      throw new BerthError('InvalidArgument', `sync entry ${entry.path}: unknown op ${String(entry.op)}`);
  }
}
