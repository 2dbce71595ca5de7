// Container statistics in Docker's /containers/{id}/stats shape, from `runc events --stats` (the cgroup's
// counters) and the host's /proc/stat (system CPU time, which `docker stats` divides by). Invariant: two
// samples make one answer (precpu_stats then cpu_stats), so the CLI can compute a CPU percentage.
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { RuncStats } from '../runtime/runc.js';

export interface CpuSample {
  stats: RuncStats;
  systemNs: number;
  read: Date;
  /** Interface counters inside the container's network namespace (loopback left out, as Docker does). */
  networks?: Record<string, NetworkCounters>;
}

export interface NetworkCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** `/proc/<pid>/net/dev` text → counters per interface, without `lo`. */
export function parseNetDev(text: string): Record<string, NetworkCounters> {
  const networks: Record<string, NetworkCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (match === null || match[1] === 'lo') continue;
    const n = (match[2] ?? '').trim().split(/\s+/).map(Number);
    networks[match[1] ?? ''] = {
      rx_bytes: n[0] ?? 0,
      rx_packets: n[1] ?? 0,
      rx_errors: n[2] ?? 0,
      rx_dropped: n[3] ?? 0,
      tx_bytes: n[8] ?? 0,
      tx_packets: n[9] ?? 0,
      tx_errors: n[10] ?? 0,
      tx_dropped: n[11] ?? 0,
    };
  }
  return networks;
}

/** The counters of the namespace a process is in; empty when it cannot be read (the process is gone). */
export async function readNetworks(pid: number): Promise<Record<string, NetworkCounters>> {
  if (pid <= 0) return {};
  return parseNetDev(await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => ''));
}

interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

/** runc's blkio list → Docker's (`op` as the cgroup names it: Read, Write, Total ... or read, write on v2). */
function blkioList(
  value: unknown,
): Array<{ major: number; minor: number; op: string; value: number }> | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  return (value as BlkioEntry[]).map((entry) => ({
    major: entry.major ?? 0,
    minor: entry.minor ?? 0,
    op: entry.op ?? '',
    value: entry.value ?? 0,
  }));
}

/** Host CPU time in nanoseconds: the sum of the first line of /proc/stat (clock ticks of 1/100 s). */
export async function systemCpuNs(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => '');
  const first = text.split('\n')[0] ?? '';
  const ticks = first
    .split(/\s+/)
    .slice(1, 8)
    .reduce((sum, value) => sum + (Number(value) || 0), 0);
  return ticks * 10_000_000;
}

function cpuStats(sample: CpuSample | undefined): Record<string, unknown> {
  const usage = sample?.stats.cpu?.usage;
  const throttling = (sample?.stats.cpu as { throttling?: Record<string, number> } | undefined)?.throttling;
  return {
    cpu_usage: {
      total_usage: usage?.total ?? 0,
      percpu_usage: usage?.percpu ?? [],
      usage_in_kernelmode: usage?.kernel ?? 0,
      usage_in_usermode: usage?.user ?? 0,
    },
    system_cpu_usage: sample?.systemNs ?? 0,
    online_cpus: cpus().length,
    throttling_data: {
      periods: throttling?.periods ?? 0,
      throttled_periods: throttling?.throttledPeriods ?? 0,
      throttled_time: throttling?.throttledTime ?? 0,
    },
  };
}

/** One stats document; `previous` is the earlier sample (absent on the first of a stream). */
export function statsDocument(
  container: { id: string; name: string },
  current: CpuSample,
  previous: CpuSample | undefined,
): Record<string, unknown> {
  const memory = current.stats.memory;
  const raw = memory?.raw ?? {};
  const limit = memory?.usage?.limit;
  const blkio = current.stats.blkio;
  return {
    read: current.read.toISOString(),
    preread: previous?.read.toISOString() ?? '0001-01-01T00:00:00Z',
    id: container.id,
    name: `/${container.name}`,
    pids_stats: {
      current: current.stats.pids?.current ?? 0,
      ...(current.stats.pids?.limit ? { limit: current.stats.pids.limit } : {}),
    },
    blkio_stats: {
      io_service_bytes_recursive: blkioList(blkio?.ioServiceBytesRecursive),
      io_serviced_recursive: blkioList(blkio?.ioServicedRecursive),
      io_queue_recursive: blkioList(blkio?.ioQueueRecursive),
      io_service_time_recursive: blkioList(blkio?.ioServiceTimeRecursive),
      io_wait_time_recursive: blkioList(blkio?.ioWaitTimeRecursive),
      io_merged_recursive: blkioList(blkio?.ioMergedRecursive),
      io_time_recursive: blkioList(blkio?.ioTimeRecursive),
      sectors_recursive: blkioList(blkio?.sectorsRecursive),
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current),
    precpu_stats: cpuStats(previous),
    memory_stats: {
      usage: memory?.usage?.usage ?? 0,
      max_usage: memory?.usage?.max ?? 0,
      stats: raw,
      // runc reports "no limit" as the largest page-aligned int64; Docker shows the host's memory then.
      limit: limit === undefined || limit > 2 ** 62 ? hostMemory() : limit,
    },
    ...(current.networks === undefined || Object.keys(current.networks).length === 0
      ? {}
      : { networks: current.networks }),
  };
}

function hostMemory(): number {
  return totalmem();
}
