// Global set-up of the integration project: notes what exists before the suites run, and fails the run if
// any suite left something behind — overlay mounts, network namespaces, monitor or runc processes, links.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

interface Snapshot {
  mounts: Set<string>;
  namespaces: Set<string>;
  processes: Set<string>;
  links: Set<string>;
}

function overlayMounts(): Set<string> {
  const lines = readFileSync('/proc/self/mounts', 'utf8').split('\n');
  return new Set(
    lines
      .filter((line) => line.startsWith('overlay '))
      .map((line) => line.split(' ')[1] ?? '')
      .filter((mountpoint) => !/^\/var\/lib\/(docker|containers)\//.test(mountpoint)),
  );
}

function namespaces(): Set<string> {
  try {
    return new Set(readdirSync('/run/netns'));
  } catch {
    return new Set();
  }
}

/** conmon and runc processes, as "pid command". */
function monitorProcesses(): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes(') Z ')) continue; // a zombie waits for its parent to reap it; it holds nothing
      const command = (args[0] ?? '').split('/').pop() ?? '';
      if (command === 'conmon' || command === 'runc') found.add(`${entry} ${args.join(' ').trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function links(): Set<string> {
  try {
    const out = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    return new Set(
      out
        .split('\n')
        .map((line) => line.split(':')[1]?.trim().split('@')[0] ?? '')
        .filter(Boolean),
    );
  } catch {
    return new Set();
  }
}

function snapshot(): Snapshot {
  return { mounts: overlayMounts(), namespaces: namespaces(), processes: monitorProcesses(), links: links() };
}

let before: Snapshot;

export function setup(): void {
  before = snapshot();
}

export async function teardown(): Promise<void> {
  // Monitors of removed containers may take a moment to exit: look again a few times, briefly.
  let after = snapshot();
  for (let attempt = 0; attempt < 20 && after.processes.size > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = snapshot();
  }
  const leaked: string[] = [];
  const added = (kind: string, was: Set<string>, now: Set<string>) => {
    for (const item of now) if (!was.has(item)) leaked.push(`${kind}: ${item}`);
  };
  added('overlay mount', before.mounts, after.mounts);
  added('network namespace', before.namespaces, after.namespaces);
  added('process', before.processes, after.processes);
  added('network link', before.links, after.links);
  if (leaked.length > 0) {
    throw new Error(`the integration suites left these behind:\n  ${leaked.join('\n  ')}`);
  }
}
