import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../shared/errors.js';
import type { ContainerDefaults } from '../../image/image-config.js';
import {
  applyMetadata,
  isMetadataInstruction,
  maintainerAuthor,
  parseDuration,
  portSpec,
} from './metadata.js';
import { parseInstruction } from './parse.js';

const empty: ContainerDefaults = {
  user: '',
  exposedPorts: [],
  env: ['PATH=/usr/bin'],
  entrypoint: undefined,
  cmd: undefined,
  volumes: [],
  workingDir: '',
  labels: {},
  stopSignal: undefined,
  healthcheck: undefined,
  argsEscaped: false,
  shell: undefined,
  onBuild: [],
};

const vars: Record<string, string> = { NAME: 'web', PORTS: '80 443/udp', DIR: 'sub', EMPTY: '' };

/** Applies each line in turn, the lookup reading `vars` and then the config's own env. */
function apply(lines: string[], config: ContainerDefaults = empty, cmdSetInStage = false): ContainerDefaults {
  return lines.reduce((current, line, i) => {
    const env = Object.fromEntries(
      current.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    const lookup = (name: string) => env[name] ?? vars[name];
    const instruction = parseInstruction(line, { file: 'Dockerfile', line: i + 2 });
    return applyMetadata(current, instruction, { lookup, escape: '\\', cmdSetInStage });
  }, config);
}

function failure(lines: string[]): BerthError {
  try {
    apply(lines);
  } catch (error) {
    expect(error).toBeInstanceOf(BerthError);
    expect((error as BerthError).code).toBe('InvalidArgument');
    return error as BerthError;
  }
  throw new Error(`expected ${lines.join(' / ')} to fail`);
}

describe('applyMetadata: commands', () => {
  it('sets CMD and ENTRYPOINT from the exec form as written, without expansion', () => {
    const config = apply(['ENTRYPOINT ["/entry.sh", "$NAME"]', 'CMD ["serve"]']);
    expect(config.entrypoint).toEqual(['/entry.sh', '$NAME']);
    expect(config.cmd).toEqual(['serve']);
  });

  it('wraps the shell form with /bin/sh -c, or with the stage SHELL', () => {
    expect(apply(['CMD echo $NAME']).cmd).toEqual(['/bin/sh', '-c', 'echo $NAME']);
    expect(apply(['SHELL ["/bin/bash", "-eo", "pipefail", "-c"]', 'ENTRYPOINT exec app']).entrypoint).toEqual(
      ['/bin/bash', '-eo', 'pipefail', '-c', 'exec app'],
    );
  });

  it('resets an inherited CMD on ENTRYPOINT unless the stage set its own CMD', () => {
    const base = { ...empty, cmd: ['bash'] };
    expect(apply(['ENTRYPOINT ["x"]'], base).cmd).toBeUndefined();
    expect(apply(['ENTRYPOINT ["x"]'], base, true).cmd).toEqual(['bash']);
  });

  it('keeps an empty exec form as an empty list', () => {
    expect(apply(['ENTRYPOINT []']).entrypoint).toEqual([]);
  });

  it('never mutates its input', () => {
    const frozen = Object.freeze({ ...empty, env: Object.freeze(['A=1']) as string[] });
    expect(
      apply(['ENV A=2 B=3', 'LABEL x=y', 'EXPOSE 80', 'VOLUME /v', 'ONBUILD RUN x'], frozen).env,
    ).toEqual(['A=2', 'B=3']);
    expect(frozen.env).toEqual(['A=1']);
  });
});

describe('applyMetadata: ENV and LABEL', () => {
  it('expands keys and values, replaces existing variables in place and appends new ones', () => {
    const config = apply(['ENV PATH=/opt/bin:$PATH APP_$NAME="a b" Q=\'$NAME\'']);
    expect(config.env).toEqual(['PATH=/opt/bin:/usr/bin', 'APP_web=a b', 'Q=$NAME']);
  });

  it('expands every pair of one ENV line against the state before the line, as Docker does', () => {
    expect(apply(['ENV A=1', 'ENV A=2 B=$A']).env).toContain('B=1');
    expect(apply(['ENV A=1', 'ENV B=$A']).env).toContain('B=1');
  });

  it('takes the rest of the line in the legacy form', () => {
    expect(apply(['ENV GREETING hello   $NAME']).env).toContain('GREETING=hello   web');
  });

  it('sets labels, quoted keys included', () => {
    const config = apply(['LABEL "org.opencontainers.image.title"="$NAME app" v=1', 'LABEL v=2']);
    expect(config.labels).toEqual({ 'org.opencontainers.image.title': 'web app', v: '2' });
  });

  it('reports an expansion error with the file and line', () => {
    expect(failure(['USER x', 'ENV A="${MISSING:?must be set}"']).message).toBe(
      'Dockerfile:3: MISSING: must be set',
    );
    expect(failure(['ENV $EMPTY=x']).message).toBe('Dockerfile:2: ENV names can not be blank');
  });
});

describe('applyMetadata: EXPOSE', () => {
  it('adds each port with tcp as the default protocol, expanding ranges and variables', () => {
    expect(apply(['EXPOSE 8080 53/UDP 8000-8002 $PORTS', 'EXPOSE 80']).exposedPorts).toEqual([
      '443/udp',
      '53/udp',
      '80/tcp',
      '8000/tcp',
      '8001/tcp',
      '8002/tcp',
      '8080/tcp',
    ]);
  });

  it('refuses bad ports, ranges and protocols', () => {
    expect(failure(['EXPOSE http']).message).toBe('Dockerfile:2: invalid port for EXPOSE: "http"');
    expect(failure(['EXPOSE 90-80']).message).toBe('Dockerfile:2: invalid port range for EXPOSE: 90-80');
    expect(failure(['EXPOSE 70000']).message).toMatch(/invalid port/);
    expect(failure(['EXPOSE 80/icmp']).message).toBe('Dockerfile:2: invalid protocol for EXPOSE: icmp');
    expect(portSpec('1/sctp')).toEqual(['1/sctp']);
  });
});

describe('applyMetadata: USER, WORKDIR, VOLUME, STOPSIGNAL, SHELL, ONBUILD, MAINTAINER', () => {
  it('expands USER', () => {
    expect(apply(['USER ${NAME}:${NAME}']).user).toBe('web:web');
  });

  it('joins a relative WORKDIR to the previous one and normalises the path', () => {
    expect(apply(['WORKDIR app']).workingDir).toBe('/app');
    expect(apply(['WORKDIR /srv/', 'WORKDIR $DIR/../other/./x/']).workingDir).toBe('/srv/other/x');
    expect(apply(['WORKDIR /a//b/..']).workingDir).toBe('/a');
    expect(apply(['WORKDIR /a', 'WORKDIR /']).workingDir).toBe('/');
  });

  it('adds volumes, expanded, without splitting a JSON element', () => {
    expect(apply(['VOLUME ["/my data", "/$NAME"]', 'VOLUME /logs "/a b"']).volumes).toEqual([
      '/a b',
      '/logs',
      '/my data',
      '/web',
    ]);
    expect(failure(['VOLUME $EMPTY']).message).toBe(
      'Dockerfile:2: VOLUME specified can not be an empty string',
    );
  });

  it('sets STOPSIGNAL by name or number and refuses nonsense', () => {
    expect(apply(['STOPSIGNAL SIGTERM']).stopSignal).toBe('SIGTERM');
    expect(apply(['STOPSIGNAL 9']).stopSignal).toBe('9');
    expect(apply(['STOPSIGNAL SIGRTMIN+3']).stopSignal).toBe('SIGRTMIN+3');
    expect(failure(['STOPSIGNAL not a signal']).message).toBe('Dockerfile:2: invalid signal: not a signal');
  });

  it('sets SHELL and appends ONBUILD triggers', () => {
    const config = apply(['SHELL ["pwsh", "-c"]', 'ONBUILD RUN make', 'ONBUILD COPY . /src']);
    expect(config.shell).toEqual(['pwsh', '-c']);
    expect(config.onBuild).toEqual(['RUN make', 'COPY . /src']);
  });

  it('leaves the defaults alone for MAINTAINER and hands its value out for the author field', () => {
    const instruction = parseInstruction('MAINTAINER Jane <j@x>', { file: 'Dockerfile', line: 2 });
    expect(apply(['MAINTAINER Jane <j@x>'])).toEqual(empty);
    expect(maintainerAuthor(instruction)).toBe('Jane <j@x>');
    expect(maintainerAuthor(parseInstruction('USER x', { file: 'Dockerfile', line: 2 }))).toBeUndefined();
  });

  it('tells metadata instructions from the others, and refuses the others', () => {
    const run = parseInstruction('RUN make', { file: 'Dockerfile', line: 2 });
    expect(isMetadataInstruction(run)).toBe(false);
    expect(isMetadataInstruction(parseInstruction('CMD x', { file: 'Dockerfile', line: 2 }))).toBe(true);
    expect(() =>
      applyMetadata(empty, run, { lookup: () => undefined, escape: '\\', cmdSetInStage: false }),
    ).toThrow(/not a metadata instruction/);
  });
});

describe('applyMetadata: HEALTHCHECK', () => {
  it('builds CMD and CMD-SHELL tests with durations in nanoseconds', () => {
    const config = apply([
      'HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=500ms --start-interval=2s --retries=4 CMD curl -f localhost',
    ]);
    expect(config.healthcheck).toEqual({
      test: ['CMD-SHELL', 'curl -f localhost'],
      interval: 90e9,
      timeout: 1.5e9,
      startPeriod: 500e6,
      startInterval: 2e9,
      retries: 4,
    });
    expect(apply(['HEALTHCHECK CMD ["/bin/check", "-q"]']).healthcheck).toEqual({
      test: ['CMD', '/bin/check', '-q'],
      interval: 0,
      timeout: 0,
      startPeriod: 0,
      startInterval: 0,
      retries: 0,
    });
  });

  it('disables the inherited check with NONE', () => {
    expect(apply(['HEALTHCHECK NONE']).healthcheck?.test).toEqual(['NONE']);
  });

  it("applies Docker's rules: 0 means the default, below 1ms and negative are refused", () => {
    expect(apply(['HEALTHCHECK --interval=0s CMD true']).healthcheck?.interval).toBe(0);
    expect(failure(['HEALTHCHECK --interval=100us CMD true']).message).toBe(
      'Dockerfile:2: --interval cannot be less than 1ms (100us)',
    );
    expect(failure(['HEALTHCHECK --timeout=-1s CMD true']).message).toBe(
      'Dockerfile:2: --timeout cannot be negative (-1s)',
    );
    expect(failure(['HEALTHCHECK --retries=-1 CMD true']).message).toBe(
      'Dockerfile:2: --retries cannot be negative (-1)',
    );
    expect(failure(['HEALTHCHECK --retries=x CMD true']).message).toMatch(/--retries must be a number/);
    expect(failure(['HEALTHCHECK --interval=5 CMD true']).message).toMatch(/invalid duration "5"/);
    expect(failure(['HEALTHCHECK CMD []']).message).toBe(
      'Dockerfile:2: missing command after HEALTHCHECK CMD',
    );
  });
});

describe('parseDuration', () => {
  it("reads Go's duration syntax", () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('1h2m3s')).toBe(3723e9);
    expect(parseDuration('1.5h')).toBe(5400e9);
    expect(parseDuration('.5s')).toBe(5e8);
    expect(parseDuration('10us')).toBe(10e3);
    expect(parseDuration('10µs')).toBe(10e3);
    expect(parseDuration('7ns')).toBe(7);
    expect(parseDuration('-2m')).toBe(-120e9);
    for (const bad of ['', '5', 's', '1d', '1.s.', '--1s'])
      expect(() => parseDuration(bad)).toThrow(BerthError);
  });
});
