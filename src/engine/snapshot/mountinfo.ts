// Reads the kernel's mount table (/proc/self/mountinfo) so the engine can tell which overlays are mounted —
// including ones a crashed engine left behind. Invariant: mount points are returned unescaped (the kernel
// writes space, tab, newline and backslash as \ooo octal).

import { readFile } from 'node:fs/promises';

export interface MountInfo {
  mountpoint: string;
  fsType: string;
  source: string;
  options: string;
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [left, right] = line.split(' - ', 2);
    const fields = (left ?? '').split(' ');
    const tail = (right ?? '').split(' ');
    const mountpoint = fields[4];
    if (mountpoint === undefined) continue;
    out.push({
      mountpoint: unescape(mountpoint),
      fsType: tail[0] ?? '',
      source: unescape(tail[1] ?? ''),
      options: tail[2] ?? '',
    });
  }
  return out;
}

export async function readMountInfo(): Promise<MountInfo[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

function unescape(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
