// Limits and isolation seen from inside: memory and pids limits enforced, user switching, read-only rootfs
// (with a tmpfs), ulimits, named volumes refused for now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContainerEngine, type ContainerEngine } from './fixture.js';

let e: ContainerEngine;
beforeAll(async () => {
  e = await startContainerEngine();
});
afterAll(async () => {
  await e?.cleanup();
});

const sh = (script: string) => ['sh', '-c', script];

describe('limits and isolation', () => {
  it('enforces a memory limit: the cgroup holds it and the OOM killer ends a hog', async () => {
    const mb = 1024 * 1024;
    const limit = await e.run({
      Cmd: sh('cat /sys/fs/cgroup/memory/memory.limit_in_bytes'),
      HostConfig: { Memory: 32 * mb },
    });
    expect(await e.logs(limit.id)).toBe(`${32 * mb}\n`);
    // tail keeps a newline-free stream in memory until it ends: it grows past the limit.
    const hog = await e.run({
      Cmd: sh('head -c 200m /dev/zero | tail'),
      HostConfig: { Memory: 32 * mb, MemorySwap: 32 * mb },
    });
    expect(hog.exitCode).not.toBe(0);
    const inspect = await e.client.requestJson<{ State: { OOMKilled: boolean } }>({
      path: `/containers/${hog.id}/json`,
    });
    expect(inspect.State.OOMKilled).toBe(true);
  });

  it('enforces a pids limit', async () => {
    const { id } = await e.run({
      Cmd: sh(
        'read max < /sys/fs/cgroup/pids/pids.max; echo max $max; for i in $(seq 20); do sleep 2 & done; ' +
          'read current < /sys/fs/cgroup/pids/pids.current; echo current $current; kill $(jobs -p) 2>/dev/null; exit 0',
      ),
      HostConfig: { PidsLimit: 8 },
    });
    const logs = await e.logs(id);
    // ash gives up at the first fork the limit refuses.
    expect(logs).toBe("max 8\nsh: can't fork: Resource temporarily unavailable\n");
  });

  it('switches user by name and by uid:gid', async () => {
    const byName = await e.run({ Cmd: sh('id -u; id -g; echo $HOME'), User: 'app' });
    expect(await e.logs(byName.id)).toBe('1000\n1000\n/home/app\n');
    const byIds = await e.run({ Cmd: sh('id -u; id -g'), User: '1234:5678' });
    expect(await e.logs(byIds.id)).toBe('1234\n5678\n');
  });

  it('keeps a read-only rootfs read-only, with a writable tmpfs', async () => {
    const { id, exitCode } = await e.run({
      Cmd: sh('touch /blocked 2>/dev/null && echo wrote || echo refused; touch /scratch/ok && echo tmpfs-ok'),
      HostConfig: { ReadonlyRootfs: true, Tmpfs: { '/scratch': 'rw,size=1m' } },
    });
    expect(exitCode).toBe(0);
    expect(await e.logs(id)).toBe('refused\ntmpfs-ok\n');
  });

  it('applies ulimits', async () => {
    const { id } = await e.run({
      Cmd: sh('ulimit -n; ulimit -Hn'),
      HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] },
    });
    expect(await e.logs(id)).toBe('1024\n2048\n');
  });
});
