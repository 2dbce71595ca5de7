// The effective config of a new container: the client's request merged with the image's defaults, as Docker's
// daemon merges them (env by name, entrypoint/cmd rules, labels and exposed ports as unions), plus the command
// line it will run (Path + Args). Invariant: pure — nothing read from disk, same input, same output.
import { BerthError } from '../../shared/errors.js';
import type { ContainerConfig, ContainerCreateRequest, HealthConfig } from '../api/containers.js';
import type { ContainerDefaults, Healthcheck } from '../image/image-config.js';

export interface EffectiveConfig {
  config: ContainerConfig;
  path: string;
  args: string[];
}

/** `NAME=value` lists merged by name: later entries replace earlier ones in place, new names append. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const result = [...base];
  for (const entry of extra) {
    const name = entry.split('=', 1)[0] ?? entry;
    const index = result.findIndex((e) => (e.split('=', 1)[0] ?? e) === name);
    if (index >= 0) result[index] = entry;
    else result.push(entry);
  }
  return result;
}

export function mergeCreateConfig(
  request: ContainerCreateRequest,
  image: ContainerDefaults,
  options: { id: string; imageName: string },
): EffectiveConfig {
  // An entrypoint of [""] (docker run --entrypoint "") means "none", not "inherit".
  const requestedEntrypoint = request.Entrypoint ?? undefined;
  const clearsEntrypoint =
    requestedEntrypoint !== undefined && requestedEntrypoint.every((part) => part === '');
  let entrypoint: string[] | undefined;
  let cmd: string[] | undefined = request.Cmd ?? undefined;
  if (requestedEntrypoint !== undefined && !clearsEntrypoint) {
    entrypoint = [...requestedEntrypoint];
  } else {
    if (cmd === undefined || cmd.length === 0) cmd = image.cmd;
    if (!clearsEntrypoint) entrypoint = image.entrypoint;
  }
  const commandLine = [...(entrypoint ?? []), ...(cmd ?? [])];
  const [path, ...args] = commandLine;
  if (path === undefined || path === '') throw new BerthError('InvalidArgument', 'No command specified');

  const exposed: Record<string, Record<string, never>> = {};
  for (const port of image.exposedPorts) exposed[port] = {};
  for (const port of Object.keys(request.ExposedPorts ?? {})) exposed[normalisePort(port)] = {};

  const config: ContainerConfig = {
    Hostname: request.Hostname || options.id.slice(0, 12),
    Domainname: request.Domainname ?? '',
    User: request.User || image.user,
    AttachStdin: request.AttachStdin === true,
    AttachStdout: request.AttachStdout === true,
    AttachStderr: request.AttachStderr === true,
    ExposedPorts: exposed,
    Tty: request.Tty === true,
    OpenStdin: request.OpenStdin === true,
    StdinOnce: request.StdinOnce === true,
    Env: mergeEnv(image.env, request.Env ?? []),
    Cmd: cmd === undefined ? null : [...cmd],
    Image: options.imageName,
    Volumes: null,
    WorkingDir: request.WorkingDir || image.workingDir,
    Entrypoint: entrypoint === undefined ? null : [...entrypoint],
    Labels: { ...image.labels, ...(request.Labels ?? {}) },
  };
  const stopSignal = request.StopSignal || image.stopSignal;
  if (stopSignal !== undefined) config.StopSignal = stopSignal;
  if (request.StopTimeout !== undefined && request.StopTimeout !== null)
    config.StopTimeout = request.StopTimeout;
  const healthcheck = mergeHealthcheck(request.Healthcheck ?? undefined, image.healthcheck);
  if (healthcheck !== undefined) config.Healthcheck = healthcheck;
  if (request.NetworkDisabled === true) config.NetworkDisabled = true;
  const shell = request.Shell ?? image.shell;
  if (shell !== undefined && shell !== null && shell.length > 0) config.Shell = [...shell];
  return { config, path, args };
}

/** "80" → "80/tcp". */
function normalisePort(port: string): string {
  return port.includes('/') ? port : `${port}/tcp`;
}

/** The request's healthcheck, its unset durations and retries taken from the image's (Docker's rule). */
function mergeHealthcheck(
  request: HealthConfig | undefined,
  image: Healthcheck | undefined,
): HealthConfig | undefined {
  const fromImage: HealthConfig | undefined =
    image === undefined
      ? undefined
      : {
          Test: image.test,
          Interval: image.interval,
          Timeout: image.timeout,
          StartPeriod: image.startPeriod,
          StartInterval: image.startInterval,
          Retries: image.retries,
        };
  if (request === undefined) return fromImage;
  if (fromImage === undefined) return request;
  return {
    Test: request.Test?.length ? request.Test : fromImage.Test,
    Interval: request.Interval || fromImage.Interval,
    Timeout: request.Timeout || fromImage.Timeout,
    StartPeriod: request.StartPeriod || fromImage.StartPeriod,
    StartInterval: request.StartInterval || fromImage.StartInterval,
    Retries: request.Retries || fromImage.Retries,
  };
}
