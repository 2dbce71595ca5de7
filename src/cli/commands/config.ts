// `berth config`: the normalised project in canonical form, or one of its lists.

import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { loadProject } from '../../compose/load/index.js';
import { listVariables } from '../../compose/load/interpolate.js';
import { serviceConfigHash } from '../../compose/model/hash.js';
import { renderJson, renderYaml } from '../../compose/model/canonical.js';
import type { Project } from '../../compose/model/types.js';
import { BerthError } from '../../shared/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { loadOptionsFrom } from '../project-options.js';
import { printWarnings } from '../render/warnings.js';
import { formatTable } from '../render/table.js';

interface ConfigOptions {
  format: 'yaml' | 'json';
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  variables?: boolean;
  environment?: boolean;
  hash?: string;
  interpolate: boolean;
  normalize: boolean;
  pathResolution: boolean;
  consistency: boolean;
  output?: string;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const options = raw as unknown as ConfigOptions;
  const selected = args;

  if (options.variables) {
    const loaded = await loadProject(loadOptionsFrom(globals, { interpolate: false, consistency: false }));
    const rows = listVariables(loaded.fullModel).map((v) => [
      v.name,
      String(v.required),
      v.defaultValue ?? '',
      v.alternateValue ?? '',
    ]);
    return emit(options, formatTable(['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'], rows));
  }

  const loaded = await loadProject(
    loadOptionsFrom(globals, {
      services: selected,
      interpolate: options.interpolate,
      resolvePaths: options.pathResolution,
      consistency: options.consistency,
    }),
  );
  printWarnings(loaded.warnings);
  // The loader has narrowed the project to the selected services and their dependencies.
  const project = loaded.project;

  if (options.quiet) return;
  if (options.services) return emit(options, lines(Object.keys(project.services)));
  if (options.volumes) return emit(options, lines(Object.keys(project.volumes)));
  if (options.networks) return emit(options, lines(Object.keys(project.networks)));
  if (options.profiles) return emit(options, lines(loaded.profiles));
  if (options.images) return emit(options, lines(imageNames(project)));
  if (options.environment) return emit(options, lines(environmentLines(loaded.environment)));
  if (options.hash) {
    const wanted =
      options.hash === '*' ? Object.keys(project.services) : options.hash.split(',').map((s) => s.trim());
    const out: string[] = [];
    for (const name of wanted) {
      const service = project.services[name];
      if (!service) throw new BerthError('NotFound', `no such service: ${name}`);
      out.push(`${name} ${serviceConfigHash(service)}`);
    }
    return emit(options, lines(out));
  }
  if (!options.normalize) {
    // The merged, interpolated and validated model as the files wrote it: short syntaxes kept.
    const services = loaded.model.services;
    const raw = {
      name: project.name,
      ...loaded.model,
      ...(selected.length > 0 && services && typeof services === 'object' && !Array.isArray(services)
        ? {
            services: Object.fromEntries(
              Object.entries(services).filter(([name]) => name in project.services),
            ),
          }
        : {}),
    };
    return emit(options, options.format === 'json' ? `${JSON.stringify(raw, null, 2)}\n` : stringify(raw));
  }
  const render = { escapeDollars: options.interpolate };
  return emit(options, options.format === 'json' ? renderJson(project, render) : renderYaml(project, render));
}

/** Each service's image (built ones named `project-service`), then its pre_start hooks' other images. */
export function imageNames(project: Project): string[] {
  const out: string[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    const image = service.image ?? `${project.name}-${name}`;
    out.push(image);
    for (const hook of service.pre_start ?? []) {
      if (hook.image !== undefined && hook.image !== image) out.push(hook.image);
    }
  }
  return out;
}

/** The interpolation environment as sorted `KEY=value` lines, as Docker Compose prints it. */
export function environmentLines(environment: ReadonlyMap<string, string>): string[] {
  return [...environment]
    .map(([key, value]) => `${key}=${value}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function lines(items: readonly string[]): string {
  return items.length === 0 ? '' : `${items.join('\n')}\n`;
}

async function emit(options: ConfigOptions, text: string): Promise<void> {
  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(text);
}
