// Who holds a host port: the listening socket in /proc/net/{tcp,tcp6,udp,udp6}, then the process with that socket
// among /proc/<pid>/fd. Used only to make "port already in use" errors say what to stop. Invariant: best effort —
// any unreadable file means "unknown", never an error of its own.

import { readdir, readFile, readlink } from 'node:fs/promises';

export interface PortHolder {
  readonly pid: number;
  readonly command: string;
}

/**
 * Socket inodes bound to `port` in a /proc/net table. For TCP only listeners count (state 0A); for UDP any bound
 * socket (state 07, unconnected).
 */
export function socketInodesOnPort(table: string, port: number, protocol: 'tcp' | 'udp'): number[] {
  const wanted = protocol === 'tcp' ? '0A' : '07';
  const out: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const local = fields[1];
    const state = fields[3];
    const inode = Number(fields[9]);
    if (local === undefined || state !== wanted || !Number.isInteger(inode) || inode === 0) continue;
    const hexPort = local.split(':')[1];
    if (hexPort !== undefined && Number.parseInt(hexPort, 16) === port) out.push(inode);
  }
  return out;
}

/** The process holding a socket bound to the port, when /proc can tell. */
export async function findPortHolder(
  port: number,
  protocol: 'tcp' | 'udp',
  procRoot = '/proc',
): Promise<PortHolder | undefined> {
  const inodes = new Set<number>();
  for (const table of [protocol, `${protocol}6`]) {
    try {
      for (const inode of socketInodesOnPort(
        await readFile(`${procRoot}/net/${table}`, 'utf8'),
        port,
        protocol,
      )) {
        inodes.add(inode);
      }
    } catch {
      // no IPv6, or no /proc: keep what we have
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      const target = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match && inodes.has(Number(match[1]))) {
        const command = (await readFile(`${procRoot}/${pid}/comm`, 'utf8').catch(() => '?')).trim();
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}
