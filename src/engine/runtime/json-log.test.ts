import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JsonLogWriter,
  decodeJsonLine,
  encodeJsonLine,
  followJsonLog,
  jsonLogFiles,
  readJsonLog,
  readWatermark,
} from './json-log.js';
import { parseTimestampNs, type LogEntry } from './log-entry.js';
import { LogShipper } from './log-shipper.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-json-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const at = (second: number, nanos = 0): string =>
  `2026-11-23T09:47:${String(second).padStart(2, '0')}.${String(nanos).padStart(9, '0')}Z`;
const entry = (message: string, second: number, stream: 'stdout' | 'stderr' = 'stdout'): LogEntry => ({
  time: at(second),
  timeNs: parseTimestampNs(at(second)),
  stream,
  message,
});

describe('JSON lines', () => {
  it('are Docker json-file lines and read back', () => {
    const line = encodeJsonLine(entry('héllo "x"\n', 11, 'stderr'));
    expect(line).toBe(
      '{"log":"héllo \\"x\\"\\n","stream":"stderr","time":"2026-11-23T09:47:11.000000000Z"}\n',
    );
    expect(decodeJsonLine(line.trim())).toEqual({ ...entry('héllo "x"\n', 11, 'stderr') });
    expect(decodeJsonLine('{"log":"cut')).toBeUndefined();
    expect(decodeJsonLine('{"log":"x","stream":"other","time":"t"}')).toBeUndefined();
  });

  it('rotate by size into numbered files, newest first, keeping max-file files', async () => {
    const path = join(dir, 'rotate-json.log');
    const writer = await JsonLogWriter.open(path, { maxSize: 200, maxFiles: 3 });
    for (let index = 0; index < 12; index++) await writer.append([entry(`line ${index}\n`, index)]);
    await writer.close();
    const names = (await readdir(dir)).filter((name) => name.startsWith('rotate-json.log')).sort();
    expect(names).toEqual(['rotate-json.log', 'rotate-json.log.1', 'rotate-json.log.2']);
    for (const name of names) expect((await readFile(join(dir, name))).length).toBeLessThanOrEqual(200);
    const kept = (await readJsonLog(jsonLogFiles(path, 3))).map((e) => e.message.trim());
    // Each file holds two lines: the six newest survive, in order.
    expect(kept).toEqual(['line 6', 'line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
    expect(await readJsonLog(jsonLogFiles(path, 3), { tail: 2, stdout: true })).toHaveLength(2);
  });

  it('start afresh at max-size with one file', async () => {
    const path = join(dir, 'single-json.log');
    const writer = await JsonLogWriter.open(path, { maxSize: 100, maxFiles: 1 });
    for (let index = 0; index < 5; index++) await writer.append([entry(`entry ${index}\n`, index)]);
    await writer.close();
    expect((await readJsonLog(jsonLogFiles(path, 1))).map((e) => e.message)).toEqual(['entry 4\n']);
  });

  it('are followed across rotations, by a reader that falls behind too', async () => {
    const path = join(dir, 'follow-json.log');
    const writer = await JsonLogWriter.open(path, { maxSize: 250, maxFiles: 4 });
    await writer.append([entry('first\n', 1)]);
    const seen: string[] = [];
    const abort = new AbortController();
    let wanted = '';
    let reached: () => void = () => undefined;
    const following = followJsonLog(
      jsonLogFiles(path, 4),
      (e) => {
        seen.push(e.message);
        if (e.message === wanted) reached();
      },
      { signal: abort.signal },
    );
    const expectLine = (text: string) =>
      new Promise<void>((resolve) => {
        wanted = text;
        reached = resolve;
        if (seen.includes(text)) resolve();
      });
    await expectLine('first\n');
    for (let index = 0; index < 6; index++) await writer.append([entry(`next ${index}\n`, 2 + index)]);
    await expectLine('next 5\n');
    abort.abort();
    await following;
    await writer.close();
    expect(seen).toEqual(['first\n', ...[0, 1, 2, 3, 4, 5].map((i) => `next ${i}\n`)]);
  });
});

describe('LogShipper', () => {
  it('ships a capture once: a second shipper resumes after the watermark', async () => {
    const capturePath = join(dir, 'capture.log');
    const path = join(dir, 'ship-json.log');
    const T = '2026-11-23T09:47:20.000000001+00:00';
    const U = '2026-11-23T09:47:21.5+00:00';
    await writeFile(capturePath, `${T} stdout F a\n${T} stdout F b\n${T} stderr P par`);
    const files = jsonLogFiles(path, 1);
    const first = await LogShipper.start({
      capturePath,
      writer: await JsonLogWriter.open(path, { maxFiles: 1 }),
    });
    await first.stop(); // an engine going away: the unfinished line stays unshipped
    expect((await readJsonLog(files)).map((e) => e.message)).toEqual(['a\n', 'b\n']);
    expect(await readWatermark(files)).toEqual({ timeNs: parseTimestampNs(T), count: 2 });

    await writeFile(
      capturePath,
      `${T} stdout F a\n${T} stdout F b\n${T} stderr P par\n${U} stderr F tial\n${U} stdout F c\n`,
    );
    const watermark = await readWatermark(files);
    await LogShipper.shipAll({
      capturePath,
      writer: await JsonLogWriter.open(path, { maxFiles: 1 }),
      ...(watermark === undefined ? {} : { watermark }),
    });
    const shipped = await readJsonLog(files);
    expect(shipped.map((e) => [e.stream, e.message])).toEqual([
      ['stdout', 'a\n'],
      ['stdout', 'b\n'],
      ['stderr', 'partial\n'],
      ['stdout', 'c\n'],
    ]);
    expect(shipped[2]?.time).toBe('2026-11-23T09:47:20.000000001Z');
  });
});
