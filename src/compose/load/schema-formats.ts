// Berth's string formats for the Compose schema: ports, durations, sizes and the string forms of
// booleans and numbers that interpolation leaves. Shared by the schema validator (compiled at run time in
// tests, ahead of time in the bundle) and the semantic checks.

import { parseBytes, parseDuration } from '../model/units.js';

/** A published port in short syntax, `[[HOST_IP:][HOST_PORT[-RANGE]]:]CONTAINER_PORT[-RANGE][/PROTOCOL]`. */
export interface PortSpec {
  /** `''` when no host IP was given (every interface). IPv6 addresses without brackets. */
  readonly hostIp: string;
  /** Absent when Docker picks a random host port. */
  readonly published?: PortRange;
  readonly target: PortRange;
  readonly protocol: string;
}

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** A port or `start-end` range of ports in 1..65535, or undefined. */
export function parsePortRange(text: string): PortRange | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start < 1 || end > 65535 || end < start) return undefined;
  return { start, end };
}

function isHostIp(text: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text.split('.').every((part) => Number(part) <= 255);
  return text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text);
}

/** Parses the short port syntax; undefined when it is not valid. */
export function parsePortSpec(text: string): PortSpec | undefined {
  let rest = text;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!PROTOCOLS.has(protocol)) return undefined;
  }
  let hostIp = '';
  let parts: string[];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']:');
    if (close < 0) return undefined;
    hostIp = rest.slice(1, close);
    parts = rest.slice(close + 2).split(':');
    if (parts.length !== 2 || !isHostIp(hostIp)) return undefined;
  } else {
    const all = rest.split(':');
    if (all.length > 2) {
      // Everything before the last two fields is the host IP (an unbracketed IPv6 address has colons).
      hostIp = all.slice(0, -2).join(':');
      if (!isHostIp(hostIp)) return undefined;
      parts = all.slice(-2);
    } else {
      parts = all;
    }
  }
  const containerText = parts[parts.length - 1] ?? '';
  const target = parsePortRange(containerText);
  if (!target) return undefined;
  if (parts.length === 1) return { hostIp, target, protocol };
  const hostText = parts[0] ?? '';
  if (hostText === '') {
    // `IP::PORT` asks for a random host port; a bare `:PORT` is not a port.
    return hostIp === '' ? undefined : { hostIp, target, protocol };
  }
  const published = parsePortRange(hostText);
  if (!published) return undefined;
  const targetLength = target.end - target.start;
  if (targetLength > 0 && published.end - published.start !== targetLength) return undefined;
  return { hostIp, published, target, protocol };
}

/** Values left as `${VAR}` (interpolation turned off) pass the formats: they cannot be judged yet. */
export function uninterpolated(text: string): boolean {
  return /\$(\{|[A-Za-z_])/.test(text);
}

interface FormatRule {
  readonly check: (text: string) => boolean;
  /** The message after the quoted value: `"80:80:80" is not a valid port (...)`. */
  readonly describe: string;
}

const BOOLEAN_WORDS = /^(true|false|yes|no|y|n|on|off|1|0|t|f)$/i;

/** Berth's string formats used by the schema, each with the message shown when a value fails it. */
export const FORMATS: Readonly<Record<string, FormatRule>> = {
  'compose-boolean': {
    check: (t) => BOOLEAN_WORDS.test(t),
    describe: 'is not a boolean (expected true or false)',
  },
  'compose-integer': { check: (t) => /^[-+]?\d+$/.test(t.trim()), describe: 'is not an integer' },
  'compose-number': {
    check: (t) => /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(t.trim()),
    describe: 'is not a number',
  },
  'compose-duration': {
    check: (t) => parseDuration(t) !== undefined,
    describe: 'is not a valid duration (expected e.g. 30s, 1m30s, 500ms)',
  },
  'compose-bytes': {
    check: (t) => parseBytes(t) !== undefined,
    describe: 'is not a valid size (expected e.g. 512m, 2g, 1024)',
  },
  'compose-port': {
    check: (t) => parsePortSpec(t) !== undefined,
    describe: 'is not a valid port (expected [HOST:]CONTAINER[/PROTOCOL])',
  },
  'compose-port-range': {
    check: (t) => parsePortRange(t) !== undefined,
    describe: 'is not a valid port or port range (expected e.g. 8080 or 8000-8010)',
  },
  'compose-expose': {
    check: (t) => {
      const match = /^([^/]+)(?:\/(\w+))?$/.exec(t);
      return (
        match !== null &&
        parsePortRange(match[1] ?? '') !== undefined &&
        (!match[2] || PROTOCOLS.has(match[2]))
      );
    },
    describe: 'is not a valid port (expected PORT[-RANGE][/PROTOCOL])',
  },
};

/** The message for a value that fails one of berth's formats: `"10x" is not a valid duration (...)`. */
export function formatMessage(format: keyof typeof FORMATS, value: unknown): string {
  return `${JSON.stringify(value)} ${FORMATS[format]?.describe ?? `does not match the format ${format}`}`;
}

/** The formats as ajv takes them; the bundle's precompiled validator imports this very object. */
export const ajvFormats: Readonly<Record<string, { type: 'string'; validate: (text: string) => boolean }>> =
  Object.fromEntries(
    Object.entries(FORMATS).map(([name, rule]) => [
      name,
      { type: 'string' as const, validate: (text: string) => uninterpolated(text) || rule.check(text) },
    ]),
  );
