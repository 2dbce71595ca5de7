// The instructions that only change an image's container defaults (CMD, ENV, EXPOSE, WORKDIR, ...), applied
// as pure functions so the executor needs no container for them and they are tested without one.
// Invariant: the input config is never mutated; every expansion sees the state from before the instruction
// (so `ENV a=1 b=$a` gives b the previous a, as Docker does).

import path from 'node:path';
import { BerthError, isBerthError } from '../../../shared/errors.js';
import type { ContainerDefaults, Healthcheck } from '../../image/image-config.js';
import { expandWord, expandWords } from './expand.js';
import type { CommandForm, Instruction, Location, VariableLookup } from './types.js';

export interface MetadataContext {
  lookup: VariableLookup;
  escape: '\\' | '`';
  /** True once a CMD ran in the current stage: ENTRYPOINT then keeps it (else it clears an inherited CMD). */
  cmdSetInStage: boolean;
}

const METADATA_KINDS = new Set<Instruction['kind']>([
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'LABEL',
  'EXPOSE',
  'USER',
  'WORKDIR',
  'VOLUME',
  'STOPSIGNAL',
  'SHELL',
  'HEALTHCHECK',
  'ONBUILD',
  'MAINTAINER',
]);

/** True for the instructions applyMetadata handles (they add no layer). */
export function isMetadataInstruction(instruction: Instruction): boolean {
  return METADATA_KINDS.has(instruction.kind);
}

export function applyMetadata(
  config: ContainerDefaults,
  instruction: Instruction,
  context: MetadataContext,
): ContainerDefaults {
  try {
    return apply(config, instruction, context);
  } catch (error) {
    if (isBerthError(error, 'InvalidArgument') && !error.message.startsWith(prefix(instruction.location)))
      throw new BerthError('InvalidArgument', `${prefix(instruction.location)}${error.message}`, {
        cause: error,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      });
    throw error;
  }
}

/** MAINTAINER's value, for the image's `author` field (ContainerDefaults has none); undefined for others. */
export function maintainerAuthor(instruction: Instruction): string | undefined {
  return instruction.kind === 'MAINTAINER' ? instruction.value : undefined;
}

/** Docker's rule for the command of a shell-form RUN/CMD/ENTRYPOINT: the stage's SHELL or /bin/sh -c. */
export function commandArgs(command: CommandForm, shell: string[] | undefined): string[] {
  return command.form === 'exec' ? [...command.args] : [...(shell ?? ['/bin/sh', '-c']), command.text];
}

function apply(
  config: ContainerDefaults,
  instruction: Instruction,
  context: MetadataContext,
): ContainerDefaults {
  const word = (text: string) => expandWord(text, context.lookup, context.escape);
  switch (instruction.kind) {
    case 'CMD':
      return { ...config, cmd: commandArgs(instruction.command, config.shell) };
    case 'ENTRYPOINT':
      return {
        ...config,
        entrypoint: commandArgs(instruction.command, config.shell),
        cmd: context.cmdSetInStage ? config.cmd : undefined,
      };
    case 'ENV': {
      let env = config.env;
      for (const pair of instruction.pairs) env = setEnv(env, word(pair.key), word(pair.value));
      return { ...config, env };
    }
    case 'LABEL': {
      const labels = { ...config.labels };
      for (const pair of instruction.pairs) {
        const key = word(pair.key);
        if (key === '') throw invalid('LABEL names can not be blank');
        labels[key] = word(pair.value);
      }
      return { ...config, labels };
    }
    case 'EXPOSE': {
      const ports = new Set(config.exposedPorts);
      for (const raw of instruction.words)
        for (const spec of expandWords(raw, context.lookup, context.escape))
          for (const p of portSpec(spec)) ports.add(p);
      return { ...config, exposedPorts: [...ports].sort() };
    }
    case 'USER':
      return { ...config, user: word(instruction.value) };
    case 'WORKDIR':
      return { ...config, workingDir: workdir(config.workingDir, word(instruction.value)) };
    case 'VOLUME': {
      const volumes = new Set(config.volumes);
      for (const raw of instruction.words) {
        const volume = word(raw);
        if (volume === '') throw invalid('VOLUME specified can not be an empty string');
        volumes.add(volume);
      }
      return { ...config, volumes: [...volumes].sort() };
    }
    case 'STOPSIGNAL': {
      const signal = word(instruction.value);
      if (!/^(\d+|(SIG)?[A-Z][A-Z0-9]*([+-]\d+)?)$/i.test(signal)) throw invalid(`invalid signal: ${signal}`);
      return { ...config, stopSignal: signal };
    }
    case 'SHELL':
      return { ...config, shell: [...instruction.shell] };
    case 'HEALTHCHECK': {
      if (instruction.command === undefined)
        return {
          ...config,
          healthcheck: {
            test: ['NONE'],
            interval: 0,
            timeout: 0,
            startPeriod: 0,
            startInterval: 0,
            retries: 0,
          },
        };
      const test =
        instruction.command.form === 'exec'
          ? ['CMD', ...instruction.command.args]
          : ['CMD-SHELL', instruction.command.text];
      if (test.length === 1) throw invalid('missing command after HEALTHCHECK CMD');
      const healthcheck: Healthcheck = {
        test,
        interval: interval('interval', instruction.interval),
        timeout: interval('timeout', instruction.timeout),
        startPeriod: interval('start-period', instruction.startPeriod),
        startInterval: interval('start-interval', instruction.startInterval),
        retries: retries(instruction.retries),
      };
      return { ...config, healthcheck };
    }
    case 'ONBUILD':
      return { ...config, onBuild: [...config.onBuild, instruction.trigger] };
    case 'MAINTAINER':
      return config;
    default:
      throw new BerthError('Internal', `${instruction.kind} is not a metadata instruction`);
  }
}

function setEnv(env: string[], key: string, value: string): string[] {
  if (key === '') throw invalid('ENV names can not be blank');
  const entry = `${key}=${value}`;
  const index = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (index < 0) return [...env, entry];
  const next = [...env];
  next[index] = entry;
  return next;
}

/** `80`, `80/udp`, `8000-8002/tcp` → ['80/tcp'] ... one entry per port, protocol lower-cased. */
export function portSpec(spec: string): string[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/.exec(spec);
  if (!match) throw invalid(`invalid port for EXPOSE: ${JSON.stringify(spec)}`);
  const protocol = (match[3] ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw invalid(`invalid protocol for EXPOSE: ${match[3]}`);
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start > 65535 || end > 65535) throw invalid(`invalid port for EXPOSE: ${spec}`);
  if (end < start) throw invalid(`invalid port range for EXPOSE: ${spec}`);
  const ports: string[] = [];
  for (let p = start; p <= end; p++) ports.push(`${p}/${protocol}`);
  return ports;
}

function workdir(current: string, requested: string): string {
  if (requested === '') throw invalid('WORKDIR requires a path');
  const joined = requested.startsWith('/')
    ? path.posix.normalize(requested)
    : path.posix.join('/', current, requested);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds: `1h30m`, `1.5s`, `300ms`, `0`. */
export function parseDuration(text: string): number {
  const fail = () => invalid(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw fail();
  let total = 0;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/.exec(rest);
    if (!match || (match[1] === '' && (match[2] ?? '') === '')) throw fail();
    const unit = UNITS[match[3]!];
    if (unit === undefined)
      throw invalid(`time: unknown unit ${JSON.stringify(match[3])} in duration ${JSON.stringify(text)}`);
    const whole = match[1] === '' ? 0 : Number(match[1]);
    const fraction = match[2] ? Number(`0.${match[2]}`) : 0;
    total += whole * unit + Math.round(fraction * unit);
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}

function interval(flag: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const ns = parseDuration(value);
  if (ns === 0) return 0;
  if (ns < 0) throw invalid(`--${flag} cannot be negative (${value})`);
  if (ns < 1e6) throw invalid(`--${flag} cannot be less than 1ms (${value})`);
  return ns;
}

function retries(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^[+-]?\d+$/.test(value)) throw invalid(`--retries must be a number, not ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < 0) throw invalid(`--retries cannot be negative (${n})`);
  return n;
}

function prefix(location: Location): string {
  return `${location.file}:${location.line}: `;
}

function invalid(message: string): BerthError {
  return new BerthError('InvalidArgument', message);
}
