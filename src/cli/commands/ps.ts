// `berth ps`: the project's containers, as `docker compose ps` lists them.
import { observedContainer } from '../../compose/converge/plan.js';
import type { ContainerSummary } from '../../engine/api/containers.js';
import type { GlobalOptions } from '../global-options.js';
import { formatTable } from '../render/table.js';
import { openProject } from './compose-project.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status?: string[];
  format?: string;
}

export async function run(
  raw: Record<string, unknown>,
  args: string[],
  globals: GlobalOptions,
): Promise<void> {
  const flags = raw as PsFlags;
  const session = await openProject(globals);
  try {
    const summaries = await session.engine.containers(session.project.name, true);
    const rows = summaries
      .map((summary) => ({ summary, observed: observedContainer(summary, session.project.name) }))
      .filter(({ observed }) => observed !== undefined && !observed.oneoff)
      .filter(({ observed }) => args.length === 0 || args.includes(observed?.service ?? ''))
      .filter(
        ({ summary }) =>
          flags.all === true ||
          summary.State === 'running' ||
          summary.State === 'restarting' ||
          summary.State === 'paused' ||
          (flags.status?.length ?? 0) > 0,
      )
      .filter(
        ({ summary }) => (flags.status ?? []).length === 0 || (flags.status ?? []).includes(summary.State),
      )
      .sort((a, b) => (a.observed?.name ?? '').localeCompare(b.observed?.name ?? ''));
    if (flags.quiet === true) {
      for (const { summary } of rows) process.stdout.write(`${summary.Id}\n`);
      return;
    }
    if (flags.services === true) {
      for (const service of new Set(rows.map(({ observed }) => observed?.service ?? '')))
        process.stdout.write(`${service}\n`);
      return;
    }
    if (flags.format === 'json') {
      for (const { summary, observed } of rows)
        process.stdout.write(`${JSON.stringify(jsonRow(summary, observed?.service ?? ''))}\n`);
      return;
    }
    process.stdout.write(
      formatTable(
        ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
        rows.map(({ summary, observed }) => [
          observed?.name ?? '',
          summary.Image,
          JSON.stringify(truncate(summary.Command, 20)),
          observed?.service ?? '',
          created(summary.Created),
          summary.Status,
          ports(summary),
        ]),
      ),
    );
  } finally {
    session.close();
  }
}

function jsonRow(summary: ContainerSummary, service: string) {
  return {
    ID: summary.Id,
    Name: (summary.Names[0] ?? '').replace(/^\//, ''),
    Image: summary.Image,
    Command: summary.Command,
    Project: summary.Labels['com.docker.compose.project'] ?? '',
    Service: service,
    Created: summary.Created,
    State: summary.State,
    Status: summary.Status,
    Health:
      /\((healthy|unhealthy|health: starting)\)/.exec(summary.Status)?.[1]?.replace('health: ', '') ?? '',
    ExitCode: Number(/Exited \((\d+)\)/.exec(summary.Status)?.[1] ?? 0),
    Publishers: summary.Ports.map((p) => ({
      URL: p.IP ?? '',
      TargetPort: p.PrivatePort,
      PublishedPort: p.PublicPort ?? 0,
      Protocol: p.Type,
    })),
  };
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function created(seconds: number): string {
  const ago = Math.max(0, Math.floor(Date.now() / 1000 - seconds));
  if (ago < 60) return `${ago} seconds ago`;
  if (ago < 3600) return `${Math.floor(ago / 60)} minutes ago`;
  return `${Math.floor(ago / 3600)} hours ago`;
}

function ports(summary: ContainerSummary): string {
  return summary.Ports.map((p) =>
    p.PublicPort === undefined
      ? `${p.PrivatePort}/${p.Type}`
      : `${p.IP ?? '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`,
  ).join(', ');
}
