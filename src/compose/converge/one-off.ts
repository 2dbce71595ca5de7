// `run`: a one-off container of a service — its config with the command line's changes, labelled as a one-off
// (so `up`, `ps` and `down` keep it apart), named `<project>-<service>-run-<id>`; its dependencies brought up
// first unless asked not to.
import { randomBytes } from 'node:crypto';
import type { ContainerCreateRequest } from '../../engine/api/containers.js';
import { ServiceGraph } from '../graph/graph.js';
import { serviceConfigHash } from '../model/hash.js';
import type { Project, Service } from '../model/types.js';
import { containerCreateRequest } from '../create/container-request.js';
import { serviceImage } from '../create/labels.js';
import type { ComposeEngine } from './engine.js';
import { withoutUnusedResources } from '../model/select.js';
import { ensureResources, up } from './up.js';
import type { Reporter } from './reporter.js';
import { BerthError, isBerthError, messageOf } from '../../shared/errors.js';

export interface OneOffOptions {
  command?: readonly string[];
  entrypoint?: readonly string[];
  env?: readonly string[];
  user?: string;
  workdir?: string;
  name?: string;
  /** Publish the service's ports (`--service-ports`) or these (`-p`). */
  servicePorts?: boolean;
  publish?: readonly string[];
  volumes?: readonly string[];
  tty: boolean;
  interactive: boolean;
  noDeps?: boolean;
  remove?: boolean;
}

/** Brings the service's dependencies up, then creates the one-off container; its id and name. */
export async function createOneOff(
  project: Project,
  serviceName: string,
  engine: ComposeEngine,
  options: OneOffOptions,
  reporter: Reporter,
): Promise<{ id: string; name: string }> {
  const service = project.services[serviceName];
  if (service === undefined) throw new BerthError('NotFound', `no such service: ${serviceName}`);
  const dependencies = Object.keys(service.depends_on ?? {});
  if (options.noDeps !== true && dependencies.length > 0) {
    const needed = new Set(ServiceGraph.fromProject(project).withDependencies([serviceName]));
    needed.delete(serviceName);
    const subset: Project = {
      ...project,
      services: Object.fromEntries(Object.entries(project.services).filter(([name]) => needed.has(name))),
      // The service's own containers (of an earlier up) are no orphans.
      disabledServices: { ...(project.disabledServices ?? {}), [serviceName]: service },
    };
    await up(subset, engine, {}, reporter);
  }
  const image = serviceImage(project, service);
  const imageId = await engine.imageId(image);
  if (imageId === undefined) {
    reporter.event('Image', image, 'Pulling');
    try {
      await engine.pull(image);
    } catch (error) {
      throw new BerthError(
        isBerthError(error) ? error.code : 'NotFound',
        `service "${serviceName}": cannot pull image ${image}: ${messageOf(error)}`,
        { cause: error, hint: isBerthError(error) ? error.hint : undefined },
      );
    }
    reporter.event('Image', image, 'Pulled');
  }
  // The networks and volumes the one-off itself uses (up made those of its dependencies).
  await ensureResources(
    withoutUnusedResources({ ...project, services: { [serviceName]: service } }),
    engine,
    reporter,
  );
  const name = options.name ?? `${project.name}-${serviceName}-run-${randomBytes(6).toString('hex')}`;
  const { body } = containerCreateRequest({
    project,
    service: oneOffService(service, options),
    number: 1,
    configHash: serviceConfigHash(service),
    image,
    imageId: imageId ?? (await engine.imageId(image)) ?? '',
    oneoff: true,
    names: {
      network: (key) => project.networks[key]?.name ?? key,
      volume: (key) => project.volumes[key]?.name ?? key,
      serviceContainer: (other) => `${project.name}-${other}-1`,
    },
  });
  const request: ContainerCreateRequest = {
    ...body,
    Env: [...(body.Env ?? []), ...(options.env ?? [])],
    Tty: options.tty,
    OpenStdin: options.interactive,
    StdinOnce: options.interactive,
    AttachStdin: options.interactive,
    HostConfig: { ...body.HostConfig, AutoRemove: options.remove === true, RestartPolicy: { Name: 'no' } },
  };
  const id = await engine.createContainer(name, request);
  return { id, name };
}

/** The service as the one-off runs it: the command line's command, entrypoint, user, workdir, ports, volumes. */
function oneOffService(service: Service, options: OneOffOptions): Service {
  const publish = (options.publish ?? []).map((spec) => {
    const [hostPart, containerPart = hostPart] = spec.includes(':')
      ? [spec.slice(0, spec.lastIndexOf(':')), spec.slice(spec.lastIndexOf(':') + 1)]
      : ['', spec];
    const [target = '0', protocol = 'tcp'] = containerPart.split('/');
    const [hostIp, published] = hostPart.includes(':')
      ? hostPart.split(/:(?=[^:]*$)/)
      : [undefined, hostPart];
    return {
      mode: 'ingress',
      target: Number(target),
      protocol,
      ...(published === undefined || published === '' ? {} : { published }),
      ...(hostIp === undefined ? {} : { host_ip: hostIp }),
    };
  });
  const extraVolumes = (options.volumes ?? []).map((spec) => {
    const [source = '', target = '', mode] = spec.split(':');
    return {
      type: source.startsWith('/') || source.startsWith('.') ? ('bind' as const) : ('volume' as const),
      source,
      target,
      read_only: mode === 'ro',
    };
  });
  return {
    ...service,
    ...(options.command === undefined || options.command.length === 0
      ? {}
      : { command: [...options.command] }),
    ...(options.entrypoint === undefined ? {} : { entrypoint: [...options.entrypoint] }),
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.workdir === undefined ? {} : { working_dir: options.workdir }),
    ports: options.servicePorts === true ? [...(service.ports ?? []), ...publish] : publish,
    volumes: [...(service.volumes ?? []), ...extraVolumes],
    ...(options.name === undefined ? {} : { container_name: options.name }),
  };
}
