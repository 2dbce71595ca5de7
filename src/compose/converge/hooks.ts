// Lifecycle hooks of a service: `post_start` commands run as execs in a container right after it started (in
// order; the first that fails fails the start with its exit code and output), `pre_stop` commands run the same
// way before it is stopped (a failure is reported, never fatal), and `pre_start` steps run each in its own
// short-lived container of the service, in order, before the service's container starts.
// Invariant: hooks never run in a container that is not running; pre_start containers that succeeded are
// removed, a failed one is kept (labelled com.docker.compose.hook=pre_start) for its logs.
import { BerthError, messageOf } from '../../shared/errors.js';
import type { ContainerCreateRequest } from '../../engine/api/containers.js';
import { LABEL } from '../create/labels.js';
import type { Service, ServiceHook } from '../model/types.js';
import type { ComposeEngine } from './engine.js';
import type { Reporter } from './reporter.js';

export const HOOK_LABEL = LABEL.hook;

export interface HookExec {
  Cmd: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Privileged?: boolean;
}

/** A hook as the exec the engine runs: its command, environment (unset keys left out), user, dir, privilege. */
export function hookExec(hook: ServiceHook): HookExec {
  const env = Object.entries(hook.environment ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value]) => `${key}=${value}`);
  return {
    Cmd: [...hook.command],
    ...(env.length > 0 ? { Env: env } : {}),
    ...(hook.user === undefined ? {} : { User: hook.user }),
    ...(hook.working_dir === undefined ? {} : { WorkingDir: hook.working_dir }),
    ...(hook.privileged === true ? { Privileged: true } : {}),
  };
}

/** The last lines of a hook's output, for an error message. */
function lastLines(output: string, count = 10): string {
  return output.trimEnd().split('\n').slice(-count).join('\n');
}

/** Runs the service's post_start hooks in the container; throws at the first that fails. */
export async function runPostStart(
  engine: ComposeEngine,
  service: Service,
  container: { id: string; name: string },
  reporter: Reporter,
): Promise<void> {
  for (const [index, hook] of (service.post_start ?? []).entries()) {
    reporter.event('Container', container.name, `Running post_start hook ${index + 1}`);
    const { exitCode, output } = await engine.exec(container.id, hookExec(hook));
    if (exitCode !== 0) {
      const tail = lastLines(output);
      throw new BerthError(
        'FailedPrecondition',
        `service "${service.name}": post_start hook ${index + 1} (${hook.command.join(' ')}) failed in ${container.name} with exit code ${exitCode}` +
          (tail === '' ? '' : `:\n${tail}`),
      );
    }
  }
}

/** Runs the service's pre_stop hooks in a running container; a failure is reported as a warning. */
export async function runPreStop(
  engine: ComposeEngine,
  service: Service | undefined,
  container: { id: string; name: string; state?: string },
  reporter: Reporter,
): Promise<void> {
  const hooks = service?.pre_stop ?? [];
  if (hooks.length === 0) return;
  if (container.state !== undefined && container.state !== 'running') return;
  for (const [index, hook] of hooks.entries()) {
    reporter.event('Container', container.name, `Running pre_stop hook ${index + 1}`);
    try {
      const { exitCode, output } = await engine.exec(container.id, hookExec(hook));
      if (exitCode !== 0) {
        const tail = lastLines(output);
        reporter.warn(
          `pre_stop hook ${index + 1} of ${container.name} failed with exit code ${exitCode}` +
            (tail === '' ? '' : `: ${tail}`),
        );
      }
    } catch (error) {
      reporter.warn(`pre_stop hook ${index + 1} of ${container.name} could not run: ${messageOf(error)}`);
    }
  }
}

/**
 * The create request of one pre_start step: the service container's (its networks, volumes, environment, user
 * and working dir), with the step's command as the command, its environment added, and its own image, user and
 * working dir when it names them. Without a command the image's own runs.
 */
export function preStartRequest(
  body: ContainerCreateRequest,
  hook: ServiceHook,
  index: number,
): ContainerCreateRequest {
  const exec = hookExec(hook);
  const request: ContainerCreateRequest = {
    ...body,
    Env: [...(body.Env ?? []), ...(exec.Env ?? [])],
    Healthcheck: { Test: ['NONE'] },
    Labels: { ...body.Labels, [HOOK_LABEL]: 'pre_start', [`${HOOK_LABEL}.index`]: String(index + 1) },
  };
  if (hook.image !== undefined) {
    // Another image: its own entrypoint and user unless the step sets them.
    request.Image = hook.image;
    delete request.Entrypoint;
    delete request.User;
  }
  if (exec.Cmd.length > 0) request.Cmd = exec.Cmd;
  else delete request.Cmd;
  if (exec.User !== undefined) request.User = exec.User;
  if (exec.WorkingDir !== undefined) request.WorkingDir = exec.WorkingDir;
  const host = { ...body.HostConfig };
  // A step publishes no ports (the service's container does) and is never restarted.
  delete host.PortBindings;
  request.HostConfig = {
    ...host,
    RestartPolicy: { Name: 'no' },
    AutoRemove: false,
    ...(exec.Privileged === true ? { Privileged: true } : {}),
  };
  return request;
}

/**
 * Runs the service's pre_start steps for a container just created, in order, each in its own container named
 * `<name>-pre_start-<n>`: the steps with `per_replica` for every replica, the others once for the service (with
 * its first replica, before any replica starts). Throws with the exit code and last output of the first that
 * fails (its container is kept).
 */
export async function runPreStart(
  engine: ComposeEngine,
  service: Service,
  container: { name: string; number: number; body: ContainerCreateRequest },
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  for (const [index, hook] of (service.pre_start ?? []).entries()) {
    if (hook.per_replica !== true && container.number !== 1) continue;
    const name = `${container.name}-pre_start-${index + 1}`;
    const stale = await engine.inspect(name).catch(() => undefined);
    if (stale !== undefined) await engine.remove(stale.Id, { force: true });
    reporter.event('Container', name, 'Creating');
    const id = await engine.createContainer(name, preStartRequest(container.body, hook, index));
    const exited = engine.wait(id, signal, 'next-exit');
    await engine.start(id);
    reporter.event('Container', name, 'Started');
    const exitCode = await exited;
    if (exitCode !== 0) {
      const tail = lastLines(await engine.tail(id, 10).catch(() => ''));
      reporter.event('Container', name, 'Error');
      throw new BerthError(
        'FailedPrecondition',
        `service "${service.name}": pre_start step ${index + 1}${hook.command.length > 0 ? ` (${hook.command.join(' ')})` : ''} failed with exit code ${exitCode}` +
          (tail === '' ? '' : `:\n${tail}`),
      );
    }
    reporter.event('Container', name, 'Exited');
    await engine.remove(id, { force: true });
  }
}
