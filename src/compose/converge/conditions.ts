// Waiting for what depends_on asks of a dependency's containers — started, healthy, or exited with 0 — driven by
// the engine's events (replayed from just before the wait began, so nothing slips between a look and a listen).
import { BerthError } from '../../shared/errors.js';
import type { ComposeEngine } from './engine.js';

export type Condition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface WaitTarget {
  service: string;
  containers: ReadonlyArray<{ id: string; name: string }>;
}

/** Resolves when every container meets the condition; a failure names the service and its last output. */
export async function waitForCondition(
  engine: ComposeEngine,
  target: WaitTarget,
  condition: Condition,
  signal?: AbortSignal,
): Promise<void> {
  if (condition === 'service_started') {
    await Promise.all(
      target.containers.map((container) => checkNotFailed(engine, target.service, container)),
    );
    return;
  }
  await Promise.all(
    target.containers.map((container) =>
      condition === 'service_healthy'
        ? waitHealthy(engine, target.service, container, signal)
        : waitCompleted(engine, target.service, container, signal),
    ),
  );
}

/** service_started: a container that has already died with a non-zero code (and stays down) fails the wait. */
async function checkNotFailed(
  engine: ComposeEngine,
  service: string,
  container: { id: string; name: string },
): Promise<void> {
  const state = (await engine.inspect(container.id).catch(() => undefined))?.State;
  if (state === undefined || (state.Status !== 'exited' && state.Status !== 'dead')) return;
  if (state.ExitCode === 0) return;
  throw await withLastOutput(
    engine,
    container,
    `dependency failed to start: container ${container.name} of service "${service}" exited with code ${state.ExitCode}`,
  );
}

async function waitCompleted(
  engine: ComposeEngine,
  service: string,
  container: { id: string; name: string },
  signal?: AbortSignal,
): Promise<void> {
  const code = await engine.wait(container.id, signal);
  if (code === 0) return;
  throw await withLastOutput(
    engine,
    container,
    `service "${service}" didn't complete successfully: container ${container.name} exited with code ${code}`,
  );
}

async function waitHealthy(
  engine: ComposeEngine,
  service: string,
  container: { id: string; name: string },
  signal?: AbortSignal,
): Promise<void> {
  const since = String((Date.now() - 1000) / 1000);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const now = await engine.inspect(container.id);
    const verdict = healthVerdict(now.State?.Health?.Status, now.State?.Status);
    if (verdict === 'healthy') return;
    if (verdict !== 'unknown')
      throw await withLastOutput(
        engine,
        container,
        unhealthyMessage(service, container, verdict, now.State?.ExitCode),
      );
    if (now.State?.Health === undefined)
      throw new BerthError(
        'FailedPrecondition',
        `service "${service}" has no healthcheck, so depends_on condition service_healthy can never be met`,
        { hint: 'add a healthcheck to the service, or use condition: service_started' },
      );
    for await (const event of engine.events({
      filters: { type: ['container'], container: [container.id] },
      since,
      signal: controller.signal,
    })) {
      if (event.Action === 'health_status: healthy') return;
      if (event.Action === 'health_status: unhealthy')
        throw await withLastOutput(engine, container, unhealthyMessage(service, container, 'unhealthy'));
      if (event.Action === 'die') {
        // A restart policy may bring it back: only a container that stays down fails the wait.
        const after = await engine.inspect(container.id);
        if (after.State?.Status !== 'restarting' && after.State?.Status !== 'running')
          throw await withLastOutput(
            engine,
            container,
            unhealthyMessage(service, container, 'exited', after.State?.ExitCode),
          );
      }
    }
    throw new BerthError('Cancelled', `waiting for service "${service}" to be healthy was cancelled`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

function healthVerdict(
  health: string | undefined,
  status: string | undefined,
): 'healthy' | 'unhealthy' | 'exited' | 'unknown' {
  if (health === 'healthy') return 'healthy';
  if (health === 'unhealthy') return 'unhealthy';
  if (status === 'exited' || status === 'dead') return 'exited';
  return 'unknown';
}

function unhealthyMessage(
  service: string,
  container: { name: string },
  verdict: string,
  code?: number,
): string {
  return verdict === 'exited'
    ? `dependency failed to start: container ${container.name} of service "${service}" exited with code ${code ?? '?'}`
    : `dependency failed to start: container ${container.name} of service "${service}" is unhealthy`;
}

/** An error with the container's last log lines under it. */
export async function withLastOutput(
  engine: ComposeEngine,
  container: { id: string },
  message: string,
): Promise<BerthError> {
  const tail = await engine.tail(container.id, 10).catch(() => '');
  const lines = tail.trimEnd();
  return new BerthError('FailedPrecondition', message, {
    ...(lines === '' ? {} : { hint: `its last output:\n${lines}` }),
  });
}
