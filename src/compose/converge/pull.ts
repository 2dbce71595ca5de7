// `pull`: fetch the images of the services that name one. Services that only build are skipped (there is no
// image to pull); a failure names the service and the reference. As in Docker Compose, a service that can also
// be built only warns when its pull fails, and with ignoreFailures every failure is a warning.
import { BerthError, isBerthError, messageOf } from '../../shared/errors.js';
import type { Project } from '../model/types.js';
import type { ComposeEngine } from './engine.js';
import type { Reporter } from './reporter.js';

export interface PullOptions {
  services: readonly string[];
  ignoreFailures: boolean;
  /** Skip services that have a build section even when they name an image. */
  ignoreBuildable: boolean;
}

export interface PullTarget {
  service: string;
  image: string;
  /** It has a build section: a failed pull is only a warning. */
  buildable: boolean;
}

export interface PullSelection {
  pull: PullTarget[];
  /** Services left out, with why. */
  skipped: Array<{ service: string; reason: string }>;
}

/** Which services `pull` fetches (pure): those with `image:`, unless pull_policy build or ignoreBuildable says not. */
export function pullSelection(
  project: Project,
  options: Pick<PullOptions, 'services' | 'ignoreBuildable'>,
): PullSelection {
  for (const service of options.services)
    if (!(service in project.services)) throw new BerthError('NotFound', `no such service: ${service}`);
  const selection: PullSelection = { pull: [], skipped: [] };
  for (const service of Object.values(project.services)) {
    if (options.services.length > 0 && !options.services.includes(service.name)) continue;
    const buildable = service.build !== undefined;
    if (service.image === undefined)
      selection.skipped.push({ service: service.name, reason: 'it has no image, only a build' });
    else if (service.pull_policy === 'build')
      selection.skipped.push({ service: service.name, reason: 'its pull_policy is build' });
    else if (buildable && options.ignoreBuildable)
      selection.skipped.push({ service: service.name, reason: 'it can be built (--ignore-buildable)' });
    else selection.pull.push({ service: service.name, image: service.image, buildable });
  }
  return selection;
}

/** Pulls in parallel; the first failure is thrown (after every pull ended) unless it is only a warning. */
export async function pullServices(
  project: Project,
  engine: ComposeEngine,
  options: PullOptions,
  reporter: Reporter,
): Promise<void> {
  const selection = pullSelection(project, options);
  for (const { service, reason } of selection.skipped) reporter.warn(`Skipping ${service}: ${reason}`);
  const failures: BerthError[] = [];
  await Promise.all(
    selection.pull.map(async ({ service, image, buildable }) => {
      reporter.event('Image', image, 'Pulling');
      try {
        await engine.pull(image);
        reporter.event('Image', image, 'Pulled');
      } catch (error) {
        const failure = new BerthError(
          'NotFound',
          `service "${service}": cannot pull image ${image}: ${messageOf(error)}`,
          { cause: error, hint: isBerthError(error) ? error.hint : undefined },
        );
        reporter.event('Image', image, 'Error');
        if (options.ignoreFailures || buildable)
          reporter.warn(buildable ? `${failure.message} (it will be built)` : failure.message);
        else failures.push(failure);
      }
    }),
  );
  const [first] = failures;
  if (first !== undefined) throw first;
}
