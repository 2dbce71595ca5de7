// The watch rules of a project, resolved for watching: each `develop.watch` rule of the selected services with
// its host root, container target and ignore model, plus the files whose edit reloads the project. Rules that
// cannot work are reported, not fatal: a sync rule without a target, a rebuild rule without a build, and a sync
// rule whose path is also bind-mounted into the service (the container already sees those files; syncing too
// can loop when the app writes them).
import path from 'node:path';
import type { Project, Service, WatchRule } from '../compose/model/types.js';
import { IgnoreModel, relativeInside } from './ignore-model.js';
import type { SyncMapping } from './changes.js';

export interface ActiveRule {
  service: string;
  rule: WatchRule;
  /** The rule's host path (absolute). */
  root: string;
  /** Set for the actions that sync. */
  mapping?: SyncMapping;
  ignore: IgnoreModel;
}

export interface ResolvedRules {
  rules: ActiveRule[];
  warnings: Array<{ service: string; text: string }>;
}

export const syncs = (action: WatchRule['action']): boolean =>
  action === 'sync' || action === 'sync+restart' || action === 'sync+exec';

export async function resolveRules(
  project: Project,
  services: readonly string[] = [],
): Promise<ResolvedRules> {
  const rules: ActiveRule[] = [];
  const warnings: ResolvedRules['warnings'] = [];
  for (const service of Object.values(project.services)) {
    if (services.length > 0 && !services.includes(service.name)) continue;
    for (const rule of service.develop?.watch ?? []) {
      const root = path.resolve(project.workingDir, rule.path);
      const warn = (text: string) => warnings.push({ service: service.name, text });
      if (syncs(rule.action) && (rule.target === undefined || rule.target === '')) {
        warn(`watch rule for ${rule.path}: action ${rule.action} needs a target; rule skipped`);
        continue;
      }
      if (rule.action === 'rebuild' && service.build === undefined) {
        warn(`watch rule for ${rule.path}: rebuild needs a build section; rule skipped`);
        continue;
      }
      if (syncs(rule.action)) {
        const bind = boundSource(service, root, project.workingDir);
        if (bind !== undefined)
          warn(
            `path ${rule.path} is also bind-mounted (${bind}): the container sees it already; syncing it as well`,
          );
      }
      const ignore = await IgnoreModel.load({
        root,
        ...(rule.ignore ? { ignore: rule.ignore } : {}),
        ...(rule.include ? { include: rule.include } : {}),
        ...(service.build ? { buildContext: path.resolve(project.workingDir, service.build.context) } : {}),
        ...(service.build?.dockerfile ? { dockerfile: service.build.dockerfile } : {}),
      });
      const target = rule.target ?? '';
      rules.push({
        service: service.name,
        rule,
        root,
        ignore,
        ...(syncs(rule.action) ? { mapping: { root, target: path.posix.resolve('/', target), ignore } } : {}),
      });
    }
  }
  return { rules, warnings };
}

/** The bind mount source that contains `root` or is inside it (compared by path components, not string prefix). */
function boundSource(service: Service, root: string, workingDir: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    if (volume.type !== 'bind' || volume.source === undefined) continue;
    const source = path.resolve(workingDir, volume.source);
    if (relativeInside(source, root) !== undefined || relativeInside(root, source) !== undefined)
      return volume.source;
  }
  return undefined;
}

/** Every file whose edit reloads the project: the compose files, `.env`, and each service's env_file. */
export function reloadFiles(project: Project, extra: readonly string[] = []): string[] {
  const files = new Set<string>(project.configFiles.map((file) => path.resolve(project.workingDir, file)));
  files.add(path.join(project.workingDir, '.env'));
  for (const service of Object.values(project.services))
    for (const envFile of service.env_file ?? []) files.add(path.resolve(project.workingDir, envFile.path));
  for (const file of extra) files.add(path.resolve(project.workingDir, file));
  return [...files].filter((file) => file !== '-');
}

/** Services that ask to be restarted with `service` (`depends_on: {service: {restart: true}}`). */
export function restartDependents(project: Project, service: string): string[] {
  return Object.values(project.services)
    .filter((other) => other.depends_on?.[service]?.restart === true)
    .map((other) => other.name);
}
