// `berth ls` (every compose project the engine has), `berth port SERVICE PORT` (the host address a published
// port is bound to), `berth top [services...]` (the processes of the project's containers) and `berth stats
// [services...]` (their resource usage, live or one snapshot).
import { projectContainers } from '../../compose/converge/lifecycle.js';
import { LABEL } from '../../compose/create/labels.js';
import type { ContainerSummary, ContainerTopResponse } from '../../engine/api/containers.js';
import { BerthError } from '../../shared/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { formatTable } from '../render/table.js';
import { withEngine } from './image.js';
import { openProject, shortName } from './compose-project.js';
import { stats as containerStats } from './container.js';

export async function ls(raw: Record<string, unknown>): Promise<void> {
  const all = raw.all === true;
  const containers = await withEngine((client) =>
    client.requestJson<ContainerSummary[]>({
      path: '/containers/json',
      query: { all: true, filters: JSON.stringify({ label: [LABEL.project] }) },
    }),
  );
  const projects = new Map<string, { states: Map<string, number>; files: string }>();
  for (const container of containers) {
    const name = container.Labels[LABEL.project] ?? '';
    const entry = projects.get(name) ?? {
      states: new Map(),
      files: container.Labels[LABEL.configFiles] ?? '',
    };
    entry.states.set(container.State, (entry.states.get(container.State) ?? 0) + 1);
    projects.set(name, entry);
  }
  const rows = [...projects.entries()]
    .filter(([, entry]) => all || entry.states.has('running'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, entry]) => ({
      Name: name,
      Status: [...entry.states.entries()].map(([state, count]) => `${state}(${count})`).join(', '),
      ConfigFiles: entry.files,
    }));
  if (raw.format === 'json') {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (raw.quiet === true) {
    for (const row of rows) process.stdout.write(`${row.Name}\n`);
    return;
  }
  process.stdout.write(
    formatTable(
      ['NAME', 'STATUS', 'CONFIG FILES'],
      rows.map((r) => [r.Name, r.Status, r.ConfigFiles]),
    ),
  );
}

export async function port(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const [service, privatePort] = args;
  if (service === undefined || privatePort === undefined)
    throw new BerthError('Usage', 'usage: berth port [OPTIONS] SERVICE PRIVATE_PORT');
  const protocol = typeof raw.protocol === 'string' ? raw.protocol : 'tcp';
  const index = raw.index === undefined ? 1 : Number(raw.index);
  const session = await openProject(globals);
  try {
    const container = (
      await projectContainers(session.project, session.engine, { services: [service] })
    ).find((c) => c.number === index);
    if (container === undefined)
      throw new BerthError('NotFound', `service "${service}" has no container #${index}`);
    const inspect = await session.engine.inspect(container.id);
    const bindings = inspect.NetworkSettings?.Ports?.[`${privatePort}/${protocol}`] ?? null;
    const first = bindings?.[0];
    if (first === undefined)
      throw new BerthError(
        'NotFound',
        `no port ${privatePort}/${protocol} is published for service "${service}"`,
      );
    process.stdout.write(`${first.HostIp || '0.0.0.0'}:${first.HostPort}\n`);
  } finally {
    session.close();
  }
}

export async function top(
  _raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const session = await openProject(globals);
  try {
    const containers = (await projectContainers(session.project, session.engine, { services: args })).filter(
      (c) => c.state === 'running',
    );
    const blocks: string[] = [];
    for (const container of containers) {
      const result = await session.client.requestJson<ContainerTopResponse>({
        path: `/containers/${container.id}/top`,
      });
      blocks.push(
        `${shortName(session.project, container.name)}\n${formatTable(result.Titles, result.Processes)}`,
      );
    }
    process.stdout.write(blocks.join('\n'));
  } finally {
    session.close();
  }
}

export async function stats(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const session = await openProject(globals);
  let names: string[];
  try {
    names = (await projectContainers(session.project, session.engine, { services: args }))
      .filter((c) => c.state === 'running' || c.state === 'paused')
      .map((c) => c.name);
  } finally {
    session.close();
  }
  if (names.length === 0) throw new BerthError('NotFound', 'no running containers in this project');
  await containerStats(raw, names);
}
