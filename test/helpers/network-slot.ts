// Gives every test engine its own bridge prefix and subnet pool, so engines of suites running in parallel never
// share links, iptables chains or subnets. A slot is claimed by an atomic mkdir under the temp dir and belongs to
// one engine directory of one test process; it is free again once that process has ended.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SLOTS = 64;
/** Test engines take 10.213.64.0/18, one /24 each, split into /26 networks (the default bridge and three more). */
const FIRST_OCTET = 64;
const SLOT_DIR = path.join(os.tmpdir(), 'berth-net-slots');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(slot: string): { pid: number; dir: string } | undefined {
  try {
    const [pid = '', ...dir] = readFileSync(path.join(slot, 'owner'), 'utf8').split(' ');
    return { pid: Number(pid), dir: dir.join(' ') };
  } catch {
    return undefined;
  }
}

function claim(index: number, dir: string): boolean {
  const slot = path.join(SLOT_DIR, String(index));
  const mine = `${process.pid} ${dir}`;
  try {
    mkdirSync(slot);
  } catch {
    const owner = ownerOf(slot);
    // no owner yet: someone is claiming it this instant; a live owner process keeps it (its engines may still
    // hold links of the prefix, even after the directory is gone)
    if (owner === undefined || alive(owner.pid)) return false;
  }
  writeFileSync(path.join(slot, 'owner'), mine);
  return readFileSync(path.join(slot, 'owner'), 'utf8') === mine;
}

/** BERTH_BRIDGE_PREFIX, BERTH_SUBNET_POOL and BERTH_SUBNET_SIZE for an engine rooted in `dir`. */
export function networkSlotEnv(dir: string): Record<string, string> {
  mkdirSync(SLOT_DIR, { recursive: true });
  for (let index = 0; index < SLOTS; index++) {
    const owner = ownerOf(path.join(SLOT_DIR, String(index)));
    if (owner?.dir === dir && owner.pid === process.pid) return slotEnv(index);
  }
  for (let index = 0; index < SLOTS; index++) {
    if (claim(index, dir)) return slotEnv(index);
  }
  throw new Error(`all ${SLOTS} test network slots under ${SLOT_DIR} are taken`);
}

function slotEnv(index: number): Record<string, string> {
  return {
    BERTH_BRIDGE_PREFIX: `bq${String(index).padStart(2, '0')}`,
    BERTH_SUBNET_POOL: `10.213.${FIRST_OCTET + index}.0/24`,
    BERTH_SUBNET_SIZE: '26',
  };
}
