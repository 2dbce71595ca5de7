// Packs a local build context into a tar stream for POST /build, as the docker CLI does: ignored files left
// out, except the Dockerfile and the ignore files, which the builder always needs. Entries are sorted and
// owned by 0:0 so the same tree always gives the same tar; modes and mtimes are kept.
// Invariant: symbolic links are packed as links and never followed, so nothing outside the context is read.

import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { cleanPattern } from './pattern.js';
import { createDescendCheck, createIgnoreMatcher } from './dockerignore.js';
import { walkTree } from './walk.js';

export interface PackOptions {
  /** .dockerignore patterns (see readDockerignore). */
  ignore: string[];
  /** The Dockerfile's path relative to the context, `Dockerfile` by default. */
  dockerfile?: string;
}

/** A tar stream of `contextDir`; errors (an unreadable file) destroy the stream with that error. */
export function packContext(contextDir: string, options: PackOptions): Readable {
  const pack = tar.pack();
  const dockerfile = cleanPattern(options.dockerfile ?? 'Dockerfile');
  const always = new Set([dockerfile, '.dockerignore', `${dockerfile}.dockerignore`]);
  const ignored = createIgnoreMatcher(options.ignore);
  const mustDescend = createDescendCheck(options.ignore);
  // Parents of always-included files must be entered even when ignored.
  const alwaysParents = new Set<string>();
  for (const keep of always) {
    for (let dir = posix.dirname(keep); dir !== '.'; dir = posix.dirname(dir)) alwaysParents.add(dir);
  }
  const filter = (rel: string, stat: Stats): 'keep' | 'skip' | 'prune' => {
    if (always.has(rel) || !ignored(rel)) return 'keep';
    if (!stat.isDirectory()) return 'skip';
    return mustDescend(rel) || alwaysParents.has(rel) ? 'skip' : 'prune';
  };
  const run = async () => {
    for await (const { rel, path, stat } of walkTree(contextDir, { filter })) {
      const base = { name: rel, mode: stat.mode & 0o7777, mtime: stat.mtime, uid: 0, gid: 0 };
      if (stat.isDirectory()) {
        await addEntry(pack, { ...base, type: 'directory' });
      } else if (stat.isSymbolicLink()) {
        await addEntry(pack, { ...base, type: 'symlink', linkname: await readlink(path) });
      } else if (stat.isFile()) {
        await addFile(pack, { ...base, type: 'file', size: stat.size }, path);
      }
      // sockets, fifos and devices have no place in a build context
    }
    pack.finalize();
  };
  const out = new PassThrough();
  pipeline(pack as unknown as NodeJS.ReadableStream, out).catch((error: unknown) =>
    out.destroy(error as Error),
  );
  run().catch((error: unknown) => pack.destroy(error as Error));
  return out;
}

type Header = Partial<tar.Header> & { name: string };

function addEntry(pack: tar.Pack, header: Header): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, (error) => (error ? reject(error) : resolve()));
  });
}

function addFile(pack: tar.Pack, header: Header, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // an empty file's entry would wait for a body: give it an empty one
    if (header.size === 0) {
      pack.entry(header, Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
      return;
    }
    const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
    const source = createReadStream(path);
    source.on('error', (error) => {
      sink.destroy(error);
      reject(error);
    });
    source.pipe(sink as unknown as NodeJS.WritableStream);
  });
}
