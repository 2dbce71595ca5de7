// `berth engine run`: the engine server in the foreground. It logs to stderr and to the engine log file (once
// when stderr already is that file, as for an auto-started engine), and stops gracefully on SIGTERM or SIGINT.
// This is the only CLI module that imports engine/server; it is loaded only when this command runs.

import { createWriteStream, fstatSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { resolveEngineConfig } from '../../engine/config.js';
import { createLogger, startEngine } from '../../engine/server/index.js';

export async function run(): Promise<void> {
  const config = resolveEngineConfig();
  await mkdir(config.runDir, { recursive: true, mode: 0o700 });
  const sinks: Writable[] = [process.stderr];
  const logFile = stderrIs(config.logFile)
    ? undefined
    : createWriteStream(config.logFile, { flags: 'a', mode: 0o600 });
  if (logFile) sinks.push(logFile);
  const log = createLogger(config.logLevel, sinks);

  // main.ts exits at once on Ctrl-C; the engine must shut down cleanly instead.
  process.removeAllListeners('SIGINT');
  let engine;
  try {
    engine = await startEngine(config, { logger: log });
  } catch (error) {
    logFile?.end();
    throw error;
  }
  const handle = engine;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info(`received ${signal}`);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void handle.close().then(resolve, (error: unknown) => {
        log.error('shutdown failed', { error });
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
}

/** True when fd 2 is the log file itself (an auto-started engine), so lines are not written twice. */
function stderrIs(file: string): boolean {
  try {
    const err = fstatSync(2);
    const log = statSync(file);
    return err.dev === log.dev && err.ino === log.ino;
  } catch {
    return false;
  }
}
