import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilitiesInMask, engineBoundingSet, narrowCapabilities } from './host-capabilities.js';

describe('host capabilities', () => {
  it('reads capability names from a mask', () => {
    expect([...capabilitiesInMask('0000000000000001')]).toEqual(['CAP_CHOWN']);
    expect([...capabilitiesInMask('0000000001000020')]).toEqual(['CAP_KILL', 'CAP_SYS_RESOURCE']);
    const withheld = capabilitiesInMask('000001fffeffffff');
    expect(withheld.size).toBe(40);
    expect(withheld.has('CAP_SYS_RESOURCE')).toBe(false);
    expect(withheld.has('CAP_CHECKPOINT_RESTORE')).toBe(true);
  });

  it('narrows every list of a process and leaves other fields alone', () => {
    const process = {
      args: ['sh'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_KILL', 'CAP_SYS_RESOURCE'],
        effective: ['CAP_SYS_RESOURCE'],
        permitted: ['CAP_KILL'],
        ambient: ['CAP_SYS_RESOURCE'],
      },
    };
    const narrowed = narrowCapabilities(process as never, new Set(['CAP_KILL']));
    expect(narrowed).toEqual({
      args: ['sh'],
      cwd: '/',
      capabilities: { bounding: ['CAP_KILL'], effective: [], permitted: ['CAP_KILL'], ambient: [] },
    });
    expect(narrowCapabilities(process as never, undefined)).toBe(process);
  });

  it('reads the bounding set from a status file, and gives undefined without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'caps-'));
    try {
      const status = join(dir, 'status');
      await writeFile(status, 'Name:\tnode\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000003\n');
      expect([...((await engineBoundingSet(status)) ?? [])]).toEqual(['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
      expect(await engineBoundingSet(join(dir, 'missing'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
