// The real docker CLI against berth's engine for volumes: volume create/ls/inspect/rm/prune, `run -v name:/data`
// sharing data between containers, a read-only host bind, a sized tmpfs from --mount, `rm -v`, and the
// in-use refusal naming the container.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, startContainerEngine, type ContainerEngine } from '../container/fixture.js';
import { dockerCliEnv } from '../../helpers/docker-cli.js';

let e: ContainerEngine;
let env: Record<string, string>;
const docker = (args: string[]) => execa('docker', args, { env, reject: false, timeout: 60_000 });

beforeAll(async () => {
  e = await startContainerEngine();
  env = await dockerCliEnv(e.dir, e.config.socket);
});
afterAll(async () => {
  await e?.cleanup();
});

describe('docker CLI: volumes', () => {
  it('docker volume create, ls, inspect, rm', async () => {
    expect((await docker(['volume', 'create', 'data1'])).stdout).toBe('data1');
    const labelled = await docker([
      'volume',
      'create',
      '--label',
      'team=x',
      '-o',
      'type=tmpfs',
      '-o',
      'device=tmpfs',
    ]);
    expect(labelled.exitCode).toBe(0);
    const anonymous = labelled.stdout.trim();
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);

    const ls = await docker(['volume', 'ls']);
    expect(ls.stdout.split('\n')[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(ls.stdout).toMatch(/^local\s+data1$/m);
    expect((await docker(['volume', 'ls', '-q', '--filter', 'label=team=x'])).stdout).toBe(anonymous);

    const inspect = await docker(['volume', 'inspect', 'data1']);
    const [doc] = JSON.parse(inspect.stdout) as Array<Record<string, unknown>>;
    expect(doc).toMatchObject({
      Name: 'data1',
      Driver: 'local',
      Scope: 'local',
      Mountpoint: path.join(e.config.root, 'volumes', 'data1', '_data'),
    });
    const options = await docker([
      'volume',
      'inspect',
      '--format',
      '{{.Options.type}} {{.Labels.team}}',
      anonymous,
    ]);
    expect(options.stdout).toBe('tmpfs x');

    const rm = await docker(['volume', 'rm', anonymous]);
    expect(rm.stdout).toBe(anonymous);
    const missing = await docker(['volume', 'inspect', anonymous]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('no such volume');
  });

  it('docker run -v name:/data shares data between containers', async () => {
    const write = await docker(['run', '--rm', '-v', 'shared:/data', IMAGE, 'sh', '-c', 'echo hi > /data/f']);
    expect(write.stderr).toBe('');
    expect(write.exitCode).toBe(0);
    const read = await docker(['run', '--rm', '-v', 'shared:/data', IMAGE, 'cat', '/data/f']);
    expect(read.stdout).toBe('hi');
    const mounts = await docker([
      'run',
      '-d',
      '--name',
      'holder',
      '-v',
      'shared:/data',
      IMAGE,
      'sleep',
      '60',
    ]);
    expect(mounts.exitCode).toBe(0);
    const shown = await docker([
      'inspect',
      '--format',
      '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}',
      'holder',
    ]);
    expect(shown.stdout).toBe('volume shared /data');
    const inUse = await docker(['volume', 'rm', 'shared']);
    expect(inUse.exitCode).toBe(1);
    expect(inUse.stderr).toContain(`remove shared: volume is in use - [${mounts.stdout.trim()}]`);
    expect((await docker(['rm', '-f', 'holder'])).exitCode).toBe(0);
    expect((await docker(['volume', 'rm', 'shared'])).stdout).toBe('shared');
  });

  it('docker run -v /hostdir:/x:ro refuses writes', async () => {
    const host = path.join(e.dir, 'host-ro');
    await mkdir(host);
    await writeFile(path.join(host, 'file'), 'host content\n');
    const result = await docker([
      'run', '--rm', '-v', `${host}:/x:ro`, IMAGE, 'sh', '-c',
      'cat /x/file; echo changed > /x/file 2>/dev/null && echo wrote || echo refused',
    ]); // prettier-ignore
    expect(result.stdout).toBe('host content\nrefused');
    expect(await readFile(path.join(host, 'file'), 'utf8')).toBe('host content\n');
  });

  it('docker run --mount type=tmpfs gives a sized, empty tmpfs', async () => {
    const result = await docker([
      'run', '--rm', '--mount', 'type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770', IMAGE, 'sh', '-c',
      'ls -A /t | wc -l; stat -c %a /t; grep " /t " /proc/mounts',
    ]); // prettier-ignore
    expect(result.exitCode).toBe(0);
    const [count, mode, mount] = result.stdout.split('\n');
    expect(count?.trim()).toBe('0');
    expect(mode).toBe('1770');
    expect(mount).toMatch(/^tmpfs \/t tmpfs \S*size=1024k/);
  });

  it("docker cp reaches a running container's volume, in and out", async () => {
    const run = await docker(['run', '-d', '-v', 'cp-vol:/data', IMAGE, 'sleep', '30']);
    const id = run.stdout.trim();
    const local = path.join(e.dir, 'into-volume.txt');
    await writeFile(local, 'through the volume\n');
    expect((await docker(['cp', local, `${id}:/data/in.txt`])).exitCode).toBe(0);
    const read = await docker(['run', '--rm', '-v', 'cp-vol:/data', IMAGE, 'cat', '/data/in.txt']);
    expect(read.stdout).toBe('through the volume');
    const out = path.join(e.dir, 'out-of-volume.txt');
    expect((await docker(['cp', `${id}:/data/in.txt`, out])).exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('through the volume\n');
    await docker(['rm', '-f', id]);
    await docker(['volume', 'rm', 'cp-vol']);
  });

  it('docker rm -v removes anonymous volumes; docker volume prune', async () => {
    const created = await docker(['create', '-v', '/anon', '-v', 'named-kept:/named', IMAGE, 'true']);
    const id = created.stdout.trim();
    const name = (await docker(['inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}', id])).stdout; // prettier-ignore
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect((await docker(['rm', '-v', id])).exitCode).toBe(0);
    expect((await docker(['volume', 'inspect', name])).exitCode).toBe(1);
    expect((await docker(['volume', 'inspect', 'named-kept'])).exitCode).toBe(0);

    const leftover = (await docker(['volume', 'create'])).stdout.trim();
    const prune = await docker(['volume', 'prune', '-f']);
    expect(prune.exitCode).toBe(0);
    expect(prune.stdout).toContain(leftover);
    expect(prune.stdout).not.toContain('named-kept');
    const all = await docker(['volume', 'prune', '-a', '-f']);
    expect(all.stdout).toContain('named-kept');
    expect(all.stdout).toMatch(/Total reclaimed space: /);
  });
});
