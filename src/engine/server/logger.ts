// The engine's own log: one line per entry, `<RFC 3339 time> <level> <message> [key=value ...]`, written to
// every sink (stderr, and the engine log file unless stderr already is that file).
// Invariant: logging never throws and never blocks a request — sink errors are dropped.

import type { Writable } from 'node:stream';
import type { LogLevel } from '../config.js';

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLogger(
  level: LogLevel,
  sinks: readonly Writable[],
  now: () => Date = () => new Date(),
): Logger {
  const write = (entryLevel: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (RANK[entryLevel] > RANK[level]) return;
    const line = `${now().toISOString()} ${entryLevel} ${message}${formatFields(fields)}\n`;
    for (const sink of sinks) {
      if (sink.writable) sink.write(line, () => undefined);
    }
  };
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
  };
}

/** A logger that drops everything (tests, and code paths that run before logging is set up). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

function formatFields(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text =
      value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    out += ` ${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
  }
  return out;
}
