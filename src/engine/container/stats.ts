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
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
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
    networks: {},
  };
}

function hostMemory(): number {
  return totalmem();
}
