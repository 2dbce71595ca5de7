// The rows of `berth container ls` and `berth container stats`, as Docker prints them, from the API's wire types.
// Invariant: pure — the same input and clock give the same text — so the layout is tested exactly.

import type { ContainerSummary, SummaryPort } from '../../engine/api/containers.js';
import { ellipsis, humanBinarySize, humanSize, shortId, timeAgo } from './human.js';

export interface ContainerRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedSince: string;
  CreatedAt: string;
  Status: string;
  State: string;
  Ports: string;
  Names: string;
  Labels: string;
}

export function containerRows(
  containers: readonly ContainerSummary[],
  nowMs: number,
  noTrunc = false,
): ContainerRow[] {
  return containers.map((c) => ({
    ID: noTrunc ? c.Id : shortId(c.Id),
    Image: !noTrunc && c.Image.startsWith('sha256:') ? shortId(c.Image) : c.Image,
    Command: JSON.stringify(noTrunc ? c.Command : ellipsis(c.Command, 20)),
    CreatedSince: timeAgo(c.Created, nowMs),
    CreatedAt: c.Created > 0 ? new Date(c.Created * 1000).toISOString() : '',
    Status: c.Status,
    State: c.State,
    Ports: formatPorts(c.Ports),
    // Names of links (`/other/alias`) are left out, as Docker does.
    Names: c.Names.filter((n) => n.lastIndexOf('/') === 0 || !n.includes('/'))
      .map((n) => n.replace(/^\//, ''))
      .join(','),
    Labels: Object.entries(c.Labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(','),
  }));
}

export const CONTAINER_HEADERS = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];

export function containerCells(row: ContainerRow): string[] {
  return [row.ID, row.Image, row.Command, row.CreatedSince, row.Status, row.Ports, row.Names];
}

/** "0.0.0.0:8080->80/tcp, 443/tcp": published ports first as Docker sorts them, then exposed ones. */
export function formatPorts(ports: readonly SummaryPort[]): string {
  const sorted = [...ports].sort(
    (a, b) =>
      (a.PublicPort ?? 0) - (b.PublicPort ?? 0) ||
      a.PrivatePort - b.PrivatePort ||
      ordinal(a.Type, b.Type) ||
      ordinal(a.IP ?? '', b.IP ?? ''),
  );
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of sorted) {
    const text =
      p.PublicPort !== undefined && p.PublicPort !== 0
        ? `${p.IP !== undefined && p.IP !== '' ? `${p.IP.includes(':') ? `[${p.IP}]` : p.IP}:` : ''}${p.PublicPort}->${p.PrivatePort}/${p.Type}`
        : `${p.PrivatePort}/${p.Type}`;
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out.join(', ');
}

/** The subset of GET /containers/{id}/stats the table reads (cgroup v1 and v2 shapes). */
export interface StatsSample {
  id?: string;
  name?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  pids_stats?: { current?: number };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface StatsRow {
  ID: string;
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

export const STATS_HEADERS = [
  'CONTAINER ID',
  'NAME',
  'CPU %',
  'MEM USAGE / LIMIT',
  'MEM %',
  'NET I/O',
  'BLOCK I/O',
  'PIDS',
];

/** Docker's arithmetic: CPU from the two samples' deltas, memory without the page cache. */
export function statsRow(id: string, sample: StatsSample): StatsRow {
  const cpu = sample.cpu_stats;
  const pre = sample.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const online = cpu?.online_cpus ?? cpu?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
  const memory = sample.memory_stats ?? {};
  const cache = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const used = Math.max(0, (memory.usage ?? 0) - cache);
  const limit = memory.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const net of Object.values(sample.networks ?? {})) {
    rx += net.rx_bytes ?? 0;
    tx += net.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const entry of sample.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (entry.op.toLowerCase() === 'read') read += entry.value;
    if (entry.op.toLowerCase() === 'write') write += entry.value;
  }
  return {
    ID: shortId(id),
    Name: (sample.name ?? '').replace(/^\//, ''),
    CPUPerc: `${cpuPercent.toFixed(2)}%`,
    MemUsage: `${humanBinarySize(used)} / ${humanBinarySize(limit)}`,
    MemPerc: `${(limit > 0 ? (used / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(write)}`,
    PIDs: String(sample.pids_stats?.current ?? 0),
  };
}

export function statsCells(row: StatsRow): string[] {
  return [row.ID, row.Name, row.CPUPerc, row.MemUsage, row.MemPerc, row.NetIO, row.BlockIO, row.PIDs];
}

function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
