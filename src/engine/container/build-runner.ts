// RUN steps of the builder as ordinary containers: created on the step's layers (no image needed), attached
// before start so no output is lost, waited for through the manager's exit signal, their upper dir committed as
// the step's layer, then removed. The container has the engine's default bridge network (outbound NAT, DNS), so
// `apt-get install` works, and no log file: output goes only to the build's progress stream.
// Invariant: the container is removed whatever happens, including a cancelled build.

import { messageOf } from '../../shared/errors.js';
import type { ContainerCreateRequest, MountSpec } from '../api/containers.js';
import { commitUpper } from '../build/commit-layer.js';
import type { RunStep, RunStepResult, StepRunner } from '../build/runner.js';
import type { ImageStore } from '../image/image-store.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import type { ContainerManager } from './manager.js';

/** Marks a build step's container, so an engine that died during a build removes it when it starts again. */
export const BUILD_STEP_LABEL = 'com.berth.build-step';

/** Removes step containers left by a build that an engine crash cut short. */
export async function removeLeftoverSteps(containers: ContainerManager): Promise<void> {
  for (const record of containers.all())
    if (record.config.Labels?.[BUILD_STEP_LABEL] === 'true')
      await containers.remove(record.id, { force: true, volumes: true }).catch(() => undefined);
}

export function containerStepRunner(
  containers: ContainerManager,
  images: ImageStore,
  snapshots: OverlaySnapshotter,
): StepRunner {
  return {
    async run(step: RunStep): Promise<RunStepResult> {
      const request: ContainerCreateRequest = {
        Image: step.imageName === '' ? 'scratch' : step.imageName,
        Cmd: [...step.args],
        Entrypoint: null,
        Env: [...step.env],
        User: step.user,
        WorkingDir: step.workingDir,
        Labels: { [BUILD_STEP_LABEL]: 'true' },
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: {
          NetworkMode: step.network === 'default' ? 'bridge' : step.network,
          Mounts: step.mounts.map((mount): MountSpec =>
            mount.type === 'bind'
              ? { Type: 'bind', Source: mount.source, Target: mount.target, ReadOnly: mount.readonly }
              : {
                  Type: 'tmpfs',
                  Target: mount.target,
                  ...(mount.size === undefined ? {} : { TmpfsOptions: { SizeBytes: mount.size } }),
                },
          ),
          ExtraHosts: [...step.extraHosts],
          ...(step.shmSize === undefined ? {} : { ShmSize: step.shmSize }),
          LogConfig: { Type: 'none' },
        },
      };
      const { id } = await containers.create(request, undefined, {
        imageId: step.imageId,
        chainIds: step.layers,
        config: {
          user: step.user,
          exposedPorts: [],
          env: [...step.env],
          entrypoint: undefined,
          cmd: undefined,
          volumes: [],
          workingDir: step.workingDir,
          labels: {},
          stopSignal: undefined,
          healthcheck: undefined,
          argsEscaped: false,
          shell: undefined,
          onBuild: [],
        },
      });
      const stop = (): void => {
        void containers.kill(id).catch(() => undefined);
      };
      try {
        const exited = containers.waitFor(id, 'next-exit');
        const detach = new AbortController();
        const attached = containers.attach(id, {
          stream: true,
          logs: false,
          stdin: false,
          stdout: true,
          stderr: true,
          onOutput: (stream, data) => step.onOutput(stream === 'stderr' ? 'stderr' : 'stdout', data),
          signal: detach.signal,
        });
        step.signal.addEventListener('abort', stop, { once: true });
        if (step.signal.aborted) throw new Error('build cancelled');
        try {
          await containers.start(id);
        } catch (error) {
          detach.abort();
          throw error;
        }
        const { StatusCode } = await exited;
        // The attachment ends with the process; its last output may still be in flight for a moment.
        await Promise.race([attached, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        detach.abort();
        if (StatusCode !== 0 || step.signal.aborted) return { exitCode: StatusCode, layer: undefined };
        const layer = await commitUpper(
          images,
          snapshots.describe(id).upper,
          [...step.layers],
          step.mounts.map((mount) => mount.target),
        );
        return { exitCode: 0, layer };
      } finally {
        step.signal.removeEventListener('abort', stop);
        await containers.remove(id, { force: true, volumes: true }).catch((error: unknown) => {
          throw new Error(`removing build step container ${id.slice(0, 12)} failed: ${messageOf(error)}`);
        });
      }
    },
  };
}
