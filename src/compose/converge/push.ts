// `push`: send the images of the services that build one and name it (`build:` and `image:`) to their
// registries, as Docker Compose does; a service that only names an image has nothing of its own to push.
// A failure names the service and the reference; with ignoreFailures every failure is a warning.
import { BerthError, isBerthError, messageOf } from '../../shared/errors.js';
import { ServiceGraph } from '../graph/graph.js';
import type { Project } from '../model/types.js';
import type { ComposeEngine } from './engine.js';
import type { Reporter } from './reporter.js';

export interface PushOptions {
  services: readonly string[];
  ignoreFailures: boolean;
  /** Also push the images of the services the named ones depend on. */
  includeDeps?: boolean;
  /** The X-Registry-Auth value for an image's registry (none: anonymous). */
  auth?: (image: string) => Promise<string | undefined>;
}

export interface PushTarget {
  service: string;
  image: string;
}

/** Which services `push` sends (pure): those with both a build section and an image name, once per image. */
export function pushSelection(
  project: Project,
  options: Pick<PushOptions, 'services' | 'includeDeps'>,
): PushTarget[] {
  for (const service of options.services)
    if (!(service in project.services)) throw new BerthError('NotFound', `no such service: ${service}`);
  const named =
    options.services.length === 0
      ? Object.keys(project.services)
      : options.includeDeps === true
        ? ServiceGraph.fromProject(project).withDependencies([...options.services])
        : [...options.services];
  const seen = new Set<string>();
  const targets: PushTarget[] = [];
  for (const service of Object.values(project.services)) {
    if (!named.includes(service.name)) continue;
    if (service.build === undefined || service.image === undefined || seen.has(service.image)) continue;
    seen.add(service.image);
    targets.push({ service: service.name, image: service.image });
  }
  return targets;
}

/** Pushes in parallel; the first failure is thrown (after every push ended) unless failures are ignored. */
export async function pushServices(
  project: Project,
  engine: ComposeEngine,
  options: PushOptions,
  reporter: Reporter,
): Promise<void> {
  const failures: BerthError[] = [];
  await Promise.all(
    pushSelection(project, options).map(async ({ service, image }) => {
      reporter.event('Image', image, 'Pushing');
      try {
        if ((await engine.imageId(image)) === undefined)
          throw new BerthError('NotFound', 'no such image on the engine', {
            hint: `build it first (berth build ${service})`,
          });
        await engine.push(image, undefined, await options.auth?.(image));
        reporter.event('Image', image, 'Pushed');
      } catch (error) {
        const failure = new BerthError(
          isBerthError(error) ? error.code : 'Unavailable',
          `service "${service}": cannot push image ${image}: ${messageOf(error)}`,
          { cause: error, hint: isBerthError(error) ? error.hint : undefined },
        );
        reporter.event('Image', image, 'Error');
        if (options.ignoreFailures) reporter.warn(failure.message);
        else failures.push(failure);
      }
    }),
  );
  const [first] = failures;
  if (first !== undefined) throw first;
}
