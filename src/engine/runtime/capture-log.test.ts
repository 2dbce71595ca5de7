import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CaptureDecoder,
  followCaptureLog as followLogs,
  parseCaptureText as parseLogText,
  readCaptureLog as readLogs,
} from './capture-log.js';
import { formatTimestampNs, parseTimestampNs, type LogEntry } from './log-entry.js';

const T1 = '2026-11-23T09:47:11.084205172+00:00';
const T2 = '2026-11-23T09:47:12.000000001+00:00';
const T3 = '2026-11-23T09:47:13.5+00:00';
const sample = [
  `${T1} stdout F one`,
  `${T1} stdout P pa`,
  `${T2} stderr F err`,
  `${T2} stdout P rt`,
  `${T3} stdout F ial`,
  `${T3} stdout F `,
  `${T3} stderr P unfinished`,
].join('\n');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('log parsing', () => {
  it('reads nanosecond timestamps', () => {
    expect(parseTimestampNs(T1)).toBe(1795427231084205172n);
    expect(parseTimestampNs(T3)).toBe(1795427233500000000n);
    expect(parseTimestampNs('2026-11-23T10:47:13.5+01:00')).toBe(1795427233500000000n);
    expect(formatTimestampNs(1795427231084205172n)).toBe('2026-11-23T09:47:11.084205172Z');
    expect(formatTimestampNs(1795427233000000005n)).toBe('2026-11-23T09:47:13.000000005Z');
  });
  it('keeps a line without end as entries of a bounded size', () => {
    const decoder = new CaptureDecoder(8);
    const pieces = decoder.decode([`${T1} stdout P abcde`, `${T1} stdout P fghij`, `${T2} stdout F k`]);
    expect(pieces.map((e) => e.message)).toEqual(['abcdefghij', 'k\n']);
    expect(decoder.flush()).toEqual([]);
  });
  it('joins partial records per stream and keeps an unfinished one without newline', () => {
    expect(parseLogText(sample).map((e) => [e.stream, e.message, e.time])).toEqual([
      ['stdout', 'one\n', T1],
      ['stderr', 'err\n', T2],
      ['stdout', 'partial\n', T1],
      ['stdout', '\n', T3],
      ['stderr', 'unfinished', T3],
    ]);
  });
  it('filters by stream, since, until and tail', async () => {
    const path = join(dir, 'read.log');
    await writeFile(path, `${sample}\n`);
    const messages = (entries: LogEntry[]) => entries.map((e) => e.message);
    expect(messages(await readLogs(path, { stderr: false }))).toEqual(['one\n', 'partial\n', '\n']);
    expect(messages(await readLogs(path, { sinceNs: parseTimestampNs(T2) }))).toEqual([
      'err\n',
      '\n',
      'unfinished',
    ]);
    expect(messages(await readLogs(path, { untilNs: parseTimestampNs(T2) }))).toEqual(['one\n', 'partial\n']);
    expect(messages(await readLogs(path, { tail: 2 }))).toEqual(['\n', 'unfinished']);
    expect(await readLogs(path, { tail: 0 })).toEqual([]);
    expect(await readLogs(join(dir, 'missing.log'))).toEqual([]);
  });
});

describe('followLogs', () => {
  it('follows appends, a rotation and a file that appears later', async () => {
    const path = join(dir, 'follow.log');
    await writeFile(path, `${T1} stdout F old1\n${T1} stdout F old2\n`);
    const seen: string[] = [];
    const abort = new AbortController();
    let wanted = '';
    let reached: () => void = () => undefined;
    const following = followLogs(
      path,
      (entry) => {
        seen.push(entry.message);
        if (entry.message === wanted) reached();
      },
      { signal: abort.signal, tail: 1 },
    );
    const expectLine = (text: string) =>
      new Promise<void>((resolve) => {
        wanted = text;
        reached = resolve;
        if (seen.includes(text)) resolve();
      });
    await expectLine('old2\n');
    await appendFile(path, `${T2} stdout P ne`);
    await appendFile(path, `w\n${T2} stdout F w`);
    await appendFile(path, `ritten\n`);
    await expectLine('newwritten\n');
    await appendFile(path, `${T2} stdout F before rotation\n`);
    await writeFile(`${path}.tmp`, `${T3} stderr F after rotation\n`);
    await rename(`${path}.tmp`, path);
    await expectLine('after rotation\n');
    await rm(path);
    await writeFile(path, `${T3} stdout F recreated\n`);
    await expectLine('recreated\n');
    abort.abort();
    await following;
    expect(seen).toEqual(['old2\n', 'newwritten\n', 'before rotation\n', 'after rotation\n', 'recreated\n']);
  });
});
