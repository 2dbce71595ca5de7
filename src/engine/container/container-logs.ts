// A container's logs: conmon captures its output (capture.log), the engine ships that into the JSON log
// (<id>-json.log, rotated per the container's log options), and `logs`/attach read the JSON log.
// Invariant: a capture is shipped whole before it is deleted, and a new run starts with no capture left.
import { rm, stat } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import type { LogEntry, LogFilter } from '../runtime/log-entry.js';
import type { FollowOptions, LogFiles } from '../runtime/log-follow.js';
import {
  JsonLogWriter,
  followJsonLog,
  jsonLogFiles,
  readJsonLog,
  readWatermark,
} from '../runtime/json-log.js';
import { LogShipper } from '../runtime/log-shipper.js';
import { logSettings } from './log-options.js';
import type { ContainerPaths, ContainerRecord } from './record.js';

/**
 * The capture's bound: past it conmon starts the capture afresh. While an engine runs nothing is lost (the
 * shipper holds the old file); while none runs, at most this much output per container waits to be shipped.
 */
export const CAPTURE_SIZE_MAX = 8 * 1024 * 1024;

export function logFiles(record: ContainerRecord, paths: ContainerPaths): LogFiles {
  return jsonLogFiles(paths.logPath, logSettings(record.hostConfig.LogConfig).limits.maxFiles);
}

/** Starts shipping the capture of a running container; undefined when its log driver keeps nothing. */
export async function startShipping(
  record: ContainerRecord,
  paths: ContainerPaths,
  onError: (error: unknown) => void,
): Promise<LogShipper | undefined> {
  const settings = logSettings(record.hostConfig.LogConfig);
  if (!settings.keep) return undefined;
  const watermark = await readWatermark(jsonLogFiles(paths.logPath, settings.limits.maxFiles));
  const writer = await JsonLogWriter.open(paths.logPath, settings.limits);
  return LogShipper.start({
    capturePath: paths.capturePath,
    writer,
    ...(watermark === undefined ? {} : { watermark }),
    onError,
  });
}

/** Ships what an earlier run left in the capture (its engine was gone when it ended), then deletes it. */
export async function shipLeftoverCapture(record: ContainerRecord, paths: ContainerPaths): Promise<void> {
  const present = await stat(paths.capturePath).then(
    () => true,
    () => false,
  );
  if (!present) return;
  const settings = logSettings(record.hostConfig.LogConfig);
  if (settings.keep) {
    const watermark = await readWatermark(jsonLogFiles(paths.logPath, settings.limits.maxFiles));
    const writer = await JsonLogWriter.open(paths.logPath, settings.limits);
    await LogShipper.shipAll({
      capturePath: paths.capturePath,
      writer,
      ...(watermark === undefined ? {} : { watermark }),
    });
  }
  await rm(paths.capturePath, { force: true });
}

/** FailedPrecondition for a container whose log driver keeps nothing. */
export function requireReadableLog(record: ContainerRecord): void {
  if (!logSettings(record.hostConfig.LogConfig).keep)
    throw new BerthError(
      'FailedPrecondition',
      'configured logging driver does not support reading: the container was created with --log-driver none',
    );
}

export function readContainerLogs(
  record: ContainerRecord,
  paths: ContainerPaths,
  filter: LogFilter = {},
): Promise<LogEntry[]> {
  requireReadableLog(record);
  return readJsonLog(logFiles(record, paths), filter);
}

export function followContainerLogs(
  record: ContainerRecord,
  paths: ContainerPaths,
  onEntry: (entry: LogEntry) => void,
  options: FollowOptions,
): Promise<void> {
  requireReadableLog(record);
  return followJsonLog(logFiles(record, paths), onEntry, options);
}
