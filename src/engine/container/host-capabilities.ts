// The capabilities this engine may hand out: those in its own bounding set. A privileged container asks for
// "every capability", which on a host (or inside an outer container) that withholds some makes runc fail with
// "unable to apply caps"; Docker's answer is the same: privileged means all the caps the engine holds.
// Invariant: only ever narrows a list, never adds to it.
import { readFile } from 'node:fs/promises';
import type { OciCapabilities, OciProcess } from '../runtime/oci-types.js';
import { ALL_CAPABILITIES } from '../runtime/defaults.js';

/** Capability names set in a hexadecimal mask such as /proc/self/status' CapBnd (bit n = capability n). */
export function capabilitiesInMask(maskHex: string): Set<string> {
  const mask = BigInt(`0x${maskHex}`);
  return new Set(ALL_CAPABILITIES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n));
}

/** The engine's bounding set, or undefined when it cannot be read (then nothing is narrowed). */
export async function engineBoundingSet(statusPath = '/proc/self/status'): Promise<Set<string> | undefined> {
  const status = await readFile(statusPath, 'utf8').catch(() => '');
  const mask = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return mask === undefined ? undefined : capabilitiesInMask(mask);
}

/** The process with its capability lists narrowed to `allowed`. */
export function narrowCapabilities(process: OciProcess, allowed: Set<string> | undefined): OciProcess {
  const caps = process.capabilities;
  if (caps === undefined || allowed === undefined) return process;
  const keep = (list: string[]) => list.filter((cap) => allowed.has(cap));
  const narrowed: OciCapabilities = {
    bounding: keep(caps.bounding),
    effective: keep(caps.effective),
    permitted: keep(caps.permitted),
    ...(caps.inheritable === undefined ? {} : { inheritable: keep(caps.inheritable) }),
    ...(caps.ambient === undefined ? {} : { ambient: keep(caps.ambient) }),
  };
  return { ...process, capabilities: narrowed };
}
