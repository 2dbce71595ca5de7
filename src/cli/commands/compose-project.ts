// What every compose verb starts with: the project loaded from the command line, its load warnings printed, and
// the engine (auto-started) wrapped for the compose layer.
import { ComposeEngine } from '../../compose/converge/engine.js';
import { loadProject } from '../../compose/load/index.js';
import type { Project } from '../../compose/model/types.js';
import type { EngineClient } from '../../engine/client/index.js';
import { connectEngine, externalHost } from '../engine-target.js';
import type { GlobalOptions } from '../global-options.js';
import { loadOptionsFrom } from '../project-options.js';
import { printWarnings } from '../render/warnings.js';

export interface ComposeSession {
  project: Project;
  engine: ComposeEngine;
  client: EngineClient;
  close(): void;
}

export async function openProject(
  globals: GlobalOptions,
  services: readonly string[] = [],
): Promise<ComposeSession> {
  const loaded = await loadProject(
    loadOptionsFrom(globals, services.length > 0 ? { services: [...services] } : {}),
  );
  printWarnings(loaded.warnings);
  const client = await connectEngine();
  // berth's own engine runs on this host: builds can use their context directory in place.
  const engine = new ComposeEngine(client, externalHost() === undefined);
  return { project: loaded.project, engine, client, close: () => client.close() };
}

/** `app-web-1` → `web-1`: how log prefixes and tables name a project's containers. */
export function shortName(project: Project, containerName: string): string {
  return containerName.startsWith(`${project.name}-`)
    ? containerName.slice(project.name.length + 1)
    : containerName;
}
