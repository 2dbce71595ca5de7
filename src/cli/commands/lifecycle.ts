// `berth start|stop|restart|kill|pause|unpause|rm [services...]`: the project's existing containers.
import {
  killServices,
  pauseServices,
  removeServices,
  restartServices,
  startServices,
  stopServices,
  unpauseServices,
} from '../../compose/converge/lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { progressReporter } from '../render/progress.js';
import { openProject, type ComposeSession } from './compose-project.js';
import type { Reporter } from '../../compose/converge/reporter.js';

type Verb = (
  session: ComposeSession,
  services: string[],
  flags: Record<string, unknown>,
  reporter: Reporter,
) => Promise<void>;

function verb(action: Verb) {
  return async (flags: Record<string, unknown>, args: string[], globals: GlobalOptions): Promise<void> => {
    const session = await openProject(globals);
    const reporter = progressReporter(globals.progress);
    try {
      await action(session, args, flags, reporter);
    } finally {
      reporter.finish();
      session.close();
    }
  };
}

const seconds = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));

export const start = verb((s, services, _flags, r) => startServices(s.project, s.engine, { services }, r));
export const stop = verb((s, services, flags, r) =>
  stopServices(s.project, s.engine, { services, ...optional('timeout', seconds(flags.timeout)) }, r),
);
export const restart = verb((s, services, flags, r) =>
  restartServices(s.project, s.engine, { services, ...optional('timeout', seconds(flags.timeout)) }, r),
);
export const kill = verb((s, services, flags, r) =>
  killServices(
    s.project,
    s.engine,
    { services, ...optional('signal', flags.signal as string | undefined) },
    r,
  ),
);
export const pause = verb((s, services, _flags, r) => pauseServices(s.project, s.engine, { services }, r));
export const unpause = verb((s, services, _flags, r) =>
  unpauseServices(s.project, s.engine, { services }, r),
);
export const rm = verb(async (s, services, flags, r) => {
  const removed = await removeServices(
    s.project,
    s.engine,
    { services, stop: flags.stop === true, volumes: flags.volumes === true },
    r,
  );
  if (removed.length === 0) process.stderr.write('No stopped containers\n');
});

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
