// Shared setup of the runtime integration tests: an isolated state root, a busybox rootfs, a cgroup
// parent of its own, and a cleanup that leaves no container, monitor, cgroup or directory behind.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createContainer,
  type CreateContainerOptions,
  type MonitoredContainer,
} from '../../../src/engine/runtime/monitor.js';
import { Runc } from '../../../src/engine/runtime/runc.js';
import { buildRuntimeSpec, type RuntimeSpecInput } from '../../../src/engine/runtime/spec.js';
import { makeBusyboxRootfs } from '../../helpers/rootfs.js';

export interface Harness {
  root: string;
  rootfs: string;
  runc: Runc;
  cgroupParent: string;
  /** Writes a bundle for `id` and creates the container under conmon (not started). */
  create(
    id: string,
    spec: Partial<RuntimeSpecInput> & { process: RuntimeSpecInput['process'] },
    options?: Partial<CreateContainerOptions>,
  ): Promise<MonitoredContainer>;
  paths(id: string): { bundleDir: string; logPath: string; exitDir: string };
  cleanup(): Promise<void>;
}

export async function makeHarness(): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'berth-runtime-'));
  const rootfs = join(root, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  await appendFile(join(rootfs, 'etc/group'), 'wheel:x:10:app\n');
  const runc = new Runc({ root: join(root, 'runc') });
  const cgroupParent = `/berth-itest-${randomBytes(4).toString('hex')}`;
  const paths = (id: string) => ({
    bundleDir: join(root, 'containers', id),
    logPath: join(root, 'logs', `${id}.log`),
    exitDir: join(root, 'exits'),
  });
  return {
    root,
    rootfs,
    runc,
    cgroupParent,
    paths,
    async create(id, spec, options = {}) {
      const { bundleDir, logPath, exitDir } = paths(id);
      await mkdir(bundleDir, { recursive: true });
      await mkdir(join(root, 'logs'), { recursive: true });
      const config = buildRuntimeSpec({
        rootfs,
        cgroupsPath: `${cgroupParent}/${id}`,
        hostname: id,
        ...spec,
      });
      await writeFile(join(bundleDir, 'config.json'), JSON.stringify(config));
      return createContainer({ runc }, { id, bundleDir, logPath, exitDir, ...options });
    },
    async cleanup() {
      for (const state of await runc.list())
        await runc.delete(state.id, { force: true }).catch(() => undefined);
      for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
        const parent = join('/sys/fs/cgroup', controller, cgroupParent);
        for (const child of await readdir(parent).catch(() => [] as string[])) {
          await rmdir(join(parent, child)).catch(() => undefined);
        }
        await rmdir(parent).catch(() => undefined);
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
