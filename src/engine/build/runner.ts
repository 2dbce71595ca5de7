// The seam between the builder and whatever runs a RUN step's command: the engine wires in its container
// manager, so a step is an ordinary (short-lived) container on the engine's default network, and the builder
// never imports the container subsystem. Invariant: `run` leaves nothing behind — the container and its
// snapshot are gone when it returns or throws — and returns the layer of the step's changes.

import type { Digest } from '../image/digest.js';
import type { NewLayer } from './commit-layer.js';

export type StepMount =
  | { type: 'bind'; source: string; target: string; readonly: boolean }
  | { type: 'tmpfs'; target: string; size?: number };

export interface RunStep {
  /** The image the stage started from, for the container's record (may be empty for scratch). */
  imageId: string;
  imageName: string;
  /** Chain IDs of the root's layers, base first. */
  layers: readonly Digest[];
  /** The full command (the SHELL already applied for the shell form). */
  args: readonly string[];
  env: readonly string[];
  user: string;
  workingDir: string;
  mounts: readonly StepMount[];
  /** `default` (the engine's bridge, with outbound NAT), `none` or `host`. */
  network: string;
  extraHosts: readonly string[];
  /** Bytes of /dev/shm; the runtime's default when undefined. */
  shmSize: number | undefined;
  onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  signal: AbortSignal;
}

export interface RunStepResult {
  exitCode: number;
  /** The step's changes; undefined when it changed nothing or failed. */
  layer: NewLayer | undefined;
}

export interface StepRunner {
  run(step: RunStep): Promise<RunStepResult>;
}
