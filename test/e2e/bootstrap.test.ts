// `berth image bootstrap` through the built CLI on an engine of its own: debian:bookworm (minbase) made from
// Debian's mirror with mmdebstrap runs `cat /etc/os-release` and `apt-get --version`, with the config the
// official image has; the test helper loads the same image into an engine from its cache; and an image that
// is missing with no registry to pull it from fails with the bootstrap command as the hint. Needs Debian's
// mirror (deb.debian.org) reachable; no registry is contacted (the unreachable one is on 127.0.0.1).
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianImage } from '../helpers/debian-image.js';
import { networkSlotEnv } from '../helpers/network-slot.js';

const berthBin = path.resolve('bin/berth.js');

let dir: string;
let project: string;
let env: Record<string, string>;
let closedPort: number;

function berth(args: string[], timeout = 120_000) {
  return execa(process.execPath, ['--', berthBin, ...args], {
    cwd: project,
    env,
    extendEnv: false,
    reject: false,
    timeout,
  });
}

/** A loopback port nothing listens on: a registry that is not there. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'berth-e2e-boot-'));
  project = path.join(dir, 'project');
  await mkdir(project);
  closedPort = await unusedPort();
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    BERTH_ROOT: path.join(dir, 'root'),
    BERTH_RUN: path.join(dir, 'run'),
    ...networkSlotEnv(dir),
  };
  await writeFile(
    path.join(project, 'compose.yaml'),
    [
      'name: boot',
      'services:',
      '  os:',
      '    image: debian:bookworm',
      '  gone:',
      `    image: 127.0.0.1:${closedPort}/debian:bookworm`,
      '    profiles: [gone]',
      '  never:',
      '    image: debian:trixie',
      '    pull_policy: never',
      '    profiles: [never]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (env === undefined) return;
  await berth(['down', '-t', '0']);
  await berth(['engine', 'stop']);
  await rm(dir, { recursive: true, force: true });
});

describe('berth image bootstrap', () => {
  let imageId: string;

  it('makes debian:bookworm from the mirror as one layer with the official config', async () => {
    const made = await berth(['image', 'bootstrap', '--variant', 'minbase', 'debian:bookworm'], 600_000);
    expect(made.exitCode, made.stderr).toBe(0);
    expect(made.stderr).toContain('Running mmdebstrap --variant=minbase bookworm');
    expect(made.stderr).toMatch(/^I: /m); // mmdebstrap's progress lines pass through
    expect(made.stdout).toMatch(/^docker\.io\/library\/debian:bookworm sha256:[0-9a-f]{64}$/m);

    const inspected = await berth(['image', 'inspect', 'debian:bookworm']);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    const [image] = JSON.parse(inspected.stdout) as Array<{
      Id: string;
      RepoTags: string[];
      Created: string;
      Os: string;
      Architecture: string;
      Config: { Cmd: string[]; Env: string[] };
      RootFS: { Layers: string[] };
    }>;
    imageId = image!.Id;
    expect(image!.RepoTags).toContain('debian:bookworm');
    expect(image!.Config.Cmd).toEqual(['bash']);
    expect(image!.Config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(image!.Os).toBe('linux');
    expect(image!.RootFS.Layers).toHaveLength(1);
    // created is the Release file's date (SOURCE_DATE_EPOCH), not the time of the run
    expect(Date.parse(image!.Created)).toBeLessThan(Date.now() - 60_000);

    const history = await berth(['image', 'history', '--no-trunc', '--format', 'json', 'debian:bookworm']);
    expect(history.stdout).toContain('berth image bootstrap: mmdebstrap --variant=minbase bookworm');
  }, 700_000);

  it('runs cat /etc/os-release and apt-get --version in it', async () => {
    // `run` does not make the project's network itself yet: `up --no-start` does.
    const created = await berth(['up', '--no-start', 'os']);
    expect(created.exitCode, created.stderr).toBe(0);
    const release = await berth(['run', '--rm', '-T', 'os', 'cat', '/etc/os-release']);
    expect(release.exitCode, release.stderr).toBe(0);
    expect(release.stdout).toContain('VERSION_CODENAME=bookworm');
    expect(release.stdout).toContain('ID=debian');
    const apt = await berth(['run', '--rm', '-T', 'os', 'apt-get', '--version']);
    expect(apt.exitCode, apt.stderr).toBe(0);
    expect(apt.stdout).toMatch(/^apt \d+\.\d+/);
  });

  it('the test helper loads the same image from its cache', async () => {
    const name = await debianImage(path.join(dir, 'run', 'berth.sock'));
    expect(name).toBe('docker.io/library/debian:bookworm');
    const inspected = await berth(['image', 'inspect', 'debian:bookworm']);
    const [image] = JSON.parse(inspected.stdout) as Array<{ Id: string }>;
    // Same mirror state, same SOURCE_DATE_EPOCH: mmdebstrap's output and so the image ID are the same.
    expect(image!.Id).toBe(imageId);
  }, 700_000);

  it('rejects unknown suites and other distributions with a clear message', async () => {
    const unknown = await berth(['image', 'bootstrap', 'debian:nosuchsuite']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('unknown suite "nosuchsuite"');
    const other = await berth(['image', 'bootstrap', 'alpine:3.20']);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain('only Debian and Ubuntu images can be made');
  });
});

describe('a missing Debian image with no registry', () => {
  it('berth up names the bootstrap command when the pull fails', async () => {
    const up = await berth(['--profile', 'gone', 'up', '-d', 'gone']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain(`cannot pull image 127.0.0.1:${closedPort}/debian:bookworm`);
    expect(up.stderr).toContain(
      `berth image bootstrap debian:bookworm -t 127.0.0.1:${closedPort}/debian:bookworm`,
    );
  });

  it('berth up names it when pull_policy is never', async () => {
    const up = await berth(['--profile', 'never', 'up', '-d', 'never']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain('image debian:trixie is not present and pull_policy is never');
    expect(up.stderr).toContain('berth image bootstrap debian:trixie');
  });

  it('berth image pull names it too', async () => {
    const pull = await berth(['image', 'pull', `127.0.0.1:${closedPort}/ubuntu:noble`]);
    expect(pull.exitCode).toBe(1);
    expect(pull.stderr).toContain(
      `berth image bootstrap ubuntu:noble -t 127.0.0.1:${closedPort}/ubuntu:noble`,
    );
  });
});
