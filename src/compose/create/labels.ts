// The labels Docker Compose puts on what it creates, so berth and Docker Compose recognise each other's
// containers, networks and volumes (com.docker.compose.*).
import { VERSION } from '../../shared/version.js';
import type { Project, Service } from '../model/types.js';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  configHash: 'com.docker.compose.config-hash',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  /** On the containers of pre_start steps. */
  hook: 'com.docker.compose.hook',
} as const;

/** The version written in com.docker.compose.version: berth's own. */
export const COMPOSE_LABEL_VERSION = VERSION;

export interface ContainerLabelInput {
  project: Project;
  service: Service;
  number: number;
  configHash: string;
  /** The image ID the container is created from (what a rebuild changes). */
  imageId: string;
  oneoff?: boolean;
}

export function containerLabels(input: ContainerLabelInput): Record<string, string> {
  const { project, service } = input;
  const dependsOn = Object.entries(service.depends_on ?? {})
    .map(([name, dep]) => `${name}:${dep.condition}:${dep.restart === true ? 'true' : 'false'}`)
    .join(',');
  return {
    ...(service.labels ?? {}),
    [LABEL.project]: project.name,
    [LABEL.service]: service.name,
    [LABEL.number]: String(input.number),
    [LABEL.oneoff]: input.oneoff === true ? 'True' : 'False',
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.configHash]: input.configHash,
    [LABEL.dependsOn]: dependsOn,
    [LABEL.image]: input.imageId,
    [LABEL.version]: COMPOSE_LABEL_VERSION,
  };
}

export function networkLabels(project: Project, key: string, labels: Readonly<Record<string, string>> = {}) {
  return {
    ...labels,
    [LABEL.project]: project.name,
    [LABEL.network]: key,
    [LABEL.version]: COMPOSE_LABEL_VERSION,
  };
}

export function volumeLabels(project: Project, key: string, labels: Readonly<Record<string, string>> = {}) {
  return {
    ...labels,
    [LABEL.project]: project.name,
    [LABEL.volume]: key,
    [LABEL.version]: COMPOSE_LABEL_VERSION,
  };
}

/** `project-service-N`, or the service's container_name. */
export function containerName(project: Project, service: Service, number: number): string {
  return service.container_name ?? `${project.name}-${service.name}-${number}`;
}

/** The image a service runs: its `image`, or `<project>-<service>` for one that is only built. */
export function serviceImage(project: Project, service: Service): string {
  return service.image ?? `${project.name}-${service.name}`;
}
