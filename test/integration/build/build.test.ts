// The builder end to end: `berth image build` (the built CLI bundle) and the real docker CLI against an engine on
// its own temporary root, with a busybox base image made from the host's busybox-static. Covers multi-stage
// builds, ARG/ENV expansion, USER and WORKDIR, heredocs, cache mounts, the step cache (no-change and one-file
// rebuilds), .dockerignore, a context symlink that points outside, failures, and `docker build`.

import { execa } from 'execa';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCliEnv } from '../../helpers/docker-cli.js';
import { makeBusyboxTar } from '../../helpers/rootfs.js';
import { buildBerthBundle } from '../server/bundle.js';
import { startTestEngine, type TestEngine } from '../server/engine-fixture.js';

let engine: TestEngine;
let bundle: string;
let dockerEnv: Record<string, string>;
let contexts = 0;

function berth(args: string[], options: { cwd?: string; reject?: boolean } = {}) {
  return execa(process.execPath, [bundle, ...args], {
    env: {
      BERTH_ROOT: engine.config.root,
      BERTH_RUN: engine.config.runDir,
      BERTH_HOST: `unix://${engine.config.socket}`,
    },
    reject: options.reject ?? true,
    encoding: 'utf8',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

function docker(args: string[], options: { cwd?: string; reject?: boolean } = {}) {
  return execa('docker', args, {
    env: dockerEnv,
    extendEnv: false,
    reject: options.reject ?? true,
    encoding: 'utf8',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

/** A fresh context directory holding `files` (path → content). */
async function context(files: Record<string, string>): Promise<string> {
  const dir = path.join(engine.dir, `ctx-${++contexts}`);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function run(image: string, command: string[]): Promise<string> {
  const result = await docker(['run', '--rm', image, ...command]);
  return result.stdout;
}

beforeAll(async () => {
  engine = await startTestEngine();
  bundle = await buildBerthBundle(path.join(engine.dir, 'bundle'));
  dockerEnv = await dockerCliEnv(engine.dir, engine.config.socket);
  const tar = path.join(engine.dir, 'busybox.tar');
  await makeBusyboxTar(tar);
  await docker(['import', '--change', 'CMD ["sh"]', tar, 'busybox:latest']);
});

afterAll(async () => {
  await engine?.cleanup();
});

describe('berth image build', () => {
  it('builds a multi-stage Dockerfile with COPY --from, ARG/ENV expansion, USER and WORKDIR, and runs it', async () => {
    const dir = await context({
      Dockerfile: [
        'ARG BASE=busybox',
        'FROM ${BASE} AS builder',
        'ARG GREETING=hello',
        'ENV TARGET=world OUT=/out',
        'WORKDIR /src',
        'COPY message.txt ./',
        'RUN mkdir -p $OUT && echo "${GREETING} ${TARGET}: $(cat message.txt)" > ${OUT}/greeting',
        '',
        'FROM busybox',
        'ARG GREETING',
        'LABEL stage="final" greeting="${GREETING}"',
        'WORKDIR /app',
        'COPY --from=builder --chown=app:app /out/greeting ./greeting.txt',
        'RUN chmod 640 greeting.txt',
        'USER app',
        'ENV HOME=/home/app',
        'CMD ["sh", "-c", "id -un; pwd; cat greeting.txt; echo $HOME"]',
      ].join('\n'),
      'message.txt': 'from the context\n',
    });
    const result = await berth(['image', 'build', '-t', 'multi:1', '--build-arg', 'GREETING=hi', dir]);
    expect(result.stdout).toMatch(/\[1\/\d+\] ARG BASE=busybox|\[1\/\d+\] FROM \$\{BASE\} AS builder/);
    expect(result.stdout).toMatch(/Built sha256:[0-9a-f]{64}/);
    expect((await run('multi:1', [])).split('\n')).toEqual([
      'app',
      '/app',
      'hi world: from the context',
      '/home/app',
    ]);
    const inspect = JSON.parse((await docker(['inspect', 'multi:1'])).stdout) as Array<{
      Config: { Labels: Record<string, string>; User: string; WorkingDir: string };
    }>;
    expect(inspect[0]?.Config.Labels).toMatchObject({ stage: 'final', greeting: 'hi' });
    expect(inspect[0]?.Config.User).toBe('app');
    expect(inspect[0]?.Config.WorkingDir).toBe('/app');
    const owner = await run('multi:1', ['stat', '-c', '%U:%G %a', '/app/greeting.txt']);
    expect(owner.trim()).toBe('app:app 640');
  });

  it('runs heredoc RUN scripts and writes heredoc COPY files', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'ARG NAME=heredoc',
        'RUN <<EOF',
        'set -e',
        'mkdir -p /data',
        'echo "first line" > /data/run.txt',
        'echo "second ${NAME}" >> /data/run.txt',
        'EOF',
        'COPY <<EOT /data/copied.txt',
        'copied ${NAME}',
        'EOT',
        'COPY <<"EOT" /data/literal.txt',
        'kept $NAME',
        'EOT',
        'RUN cat <<EOF > /data/redirect.txt',
        'via the shell',
        'EOF',
      ].join('\n'),
    });
    await berth(['image', 'build', '-t', 'heredoc:1', dir]);
    const out = await run('heredoc:1', [
      'cat',
      '/data/run.txt',
      '/data/copied.txt',
      '/data/literal.txt',
      '/data/redirect.txt',
    ]);
    expect(out.split('\n')).toEqual([
      'first line',
      'second heredoc',
      'copied heredoc',
      'kept $NAME',
      'via the shell',
    ]);
  });

  it('keeps a cache mount between builds and leaves it out of the image', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'ARG RUN_ID',
        'RUN --mount=type=cache,target=/cache echo "$RUN_ID" >> /cache/runs && cat /cache/runs > /seen && ls /cache > /listing',
      ].join('\n'),
    });
    await berth(['image', 'build', '-t', 'cachemount:1', '--build-arg', 'RUN_ID=one', dir]);
    await berth(['image', 'build', '-t', 'cachemount:2', '--build-arg', 'RUN_ID=two', dir]);
    expect((await run('cachemount:2', ['cat', '/seen'])).split('\n')).toEqual(['one', 'two']);
    const inImage = await docker(['run', '--rm', 'cachemount:2', 'ls', '/cache'], { reject: false });
    expect(inImage.stdout.trim()).toBe('');
  });

  it('reuses every step when nothing changed, and the image ID stays the same', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'COPY a.txt /a.txt',
        'RUN cat /a.txt > /copy',
        'COPY b.txt /b.txt',
        'RUN echo done > /done',
      ].join('\n'),
      'a.txt': 'a\n',
      'b.txt': 'b\n',
    });
    const first = await berth(['image', 'build', '-t', 'cached:1', dir]);
    expect(first.stdout).not.toContain('CACHED');
    const second = await berth(['image', 'build', '-t', 'cached:1', dir]);
    expect(second.stdout.match(/CACHED/g)).toHaveLength(4);
    expect(second.stdout).not.toContain('done in');
    const id = (text: string) => /Built (sha256:[0-9a-f]{64})/.exec(text)?.[1];
    expect(id(second.stdout)).toBe(id(first.stdout));
  });

  it('rebuilds only from the first step that reads a changed file', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'COPY a.txt /a.txt',
        'RUN cat /a.txt > /copy',
        'COPY b.txt /b.txt',
        'RUN cat /b.txt > /copy-b',
      ].join('\n'),
      'a.txt': 'a\n',
      'b.txt': 'b\n',
    });
    await berth(['image', 'build', '-t', 'partial:1', dir]);
    await writeFile(path.join(dir, 'b.txt'), 'b changed\n');
    const second = await berth(['image', 'build', '-t', 'partial:1', dir]);
    const lines = second.stdout.split('\n');
    const status = (step: number) =>
      lines.find((line) => line.startsWith(`[${step}/5] `) && /CACHED|done in/.test(line));
    expect(status(2)).toContain('CACHED');
    expect(status(3)).toContain('CACHED');
    expect(status(4)).toContain('done in');
    expect(status(5)).toContain('done in');
    expect(await run('partial:1', ['cat', '/copy-b'])).toBe('b changed');
  });

  it('leaves out what .dockerignore excludes', async () => {
    const dir = await context({
      Dockerfile: ['FROM busybox', 'COPY . /ctx', 'RUN find /ctx -type f | sort > /files'].join('\n'),
      '.dockerignore': ['*.log', 'secret/', '!keep.log', 'build/**/*.tmp'].join('\n'),
      'app.txt': 'app',
      'debug.log': 'noise',
      'keep.log': 'kept',
      'secret/key': 'do not ship',
      'build/out/x.tmp': 'tmp',
      'build/out/x.bin': 'bin',
    });
    await berth(['image', 'build', '-t', 'ignored:1', dir]);
    const files = (await run('ignored:1', ['cat', '/files'])).split('\n');
    expect(files).toContain('/ctx/app.txt');
    expect(files).toContain('/ctx/keep.log');
    expect(files).toContain('/ctx/build/out/x.bin');
    expect(files).not.toContain('/ctx/debug.log');
    expect(files).not.toContain('/ctx/secret/key');
    expect(files).not.toContain('/ctx/build/out/x.tmp');
  });

  it('binds the context into a RUN without its ignored files, and rw writes never reach the directory', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'RUN --mount=type=bind,target=/ctx,rw ls -A /ctx > /listing && touch /ctx/new',
      ].join('\n'),
      '.dockerignore': 'private.txt\n',
      'public.txt': 'shared',
      'private.txt': 'not for the build',
    });
    await berth(['image', 'build', '-t', 'bindctx:1', dir]);
    expect((await run('bindctx:1', ['cat', '/listing'])).split('\n')).toEqual([
      '.dockerignore',
      'Dockerfile',
      'public.txt',
    ]);
    await expect(stat(path.join(dir, 'new'))).rejects.toThrow();
  });

  it('refuses a context symlink that points outside the context', async () => {
    const dir = await context({ Dockerfile: ['FROM busybox', 'COPY passwd /stolen'].join('\n') });
    await symlink('/etc/passwd', path.join(dir, 'passwd'));
    const result = await berth(['image', 'build', '-t', 'escape:1', dir], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/passwd/);
    expect(result.stderr).toMatch(/outside the build context|not found in build context/);
    const image = await docker(['image', 'inspect', 'escape:1'], { reject: false });
    expect(image.exitCode).not.toBe(0);
  });

  it('names the failing step, its command and its last output', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'RUN echo preparing',
        'RUN echo "about to fail" && echo "on stderr" >&2 && exit 3',
      ].join('\n'),
    });
    const result = await berth(['image', 'build', '-t', 'failing:1', dir], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('step 3/3 (Dockerfile:3)');
    expect(result.stderr).toContain('returned a non-zero code: 3');
    expect(result.stderr).toContain('about to fail');
    expect(result.stderr).toContain('on stderr');
  });

  it('builds only the target stage and what it needs', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox AS unused',
        'RUN exit 1',
        'FROM busybox AS base',
        'RUN echo base > /base',
        'FROM base AS test',
        'RUN echo test > /test',
        'FROM base AS release',
        'RUN echo release > /release',
      ].join('\n'),
    });
    const result = await berth(['image', 'build', '--target', 'test', '-t', 'target:1', dir]);
    expect(result.stdout).not.toContain('exit 1');
    expect(result.stdout).not.toContain('release');
    expect(await run('target:1', ['cat', '/base', '/test'])).toBe('base\ntest');
  });

  it('extracts a local tar with ADD and copies plain files as they are', async () => {
    const dir = await context({
      Dockerfile: ['FROM busybox', 'ADD bundle.tar.gz /opt/', 'ADD plain.txt /opt/plain.txt'].join('\n'),
      'plain.txt': 'plain\n',
    });
    const staging = path.join(dir, 'staging');
    await mkdir(path.join(staging, 'pkg'), { recursive: true });
    await writeFile(path.join(staging, 'pkg', 'inside.txt'), 'from the archive\n');
    await execa('tar', ['-czf', path.join(dir, 'bundle.tar.gz'), '-C', staging, 'pkg']);
    await berth(['image', 'build', '-t', 'add:1', dir]);
    expect(await run('add:1', ['cat', '/opt/pkg/inside.txt', '/opt/plain.txt'])).toBe(
      'from the archive\nplain',
    );
  });
});

describe('docker build against berth', () => {
  it('builds through the classic /build API and the image runs', async () => {
    const dir = await context({
      Dockerfile: [
        'FROM busybox',
        'COPY hello.sh /usr/local/bin/hello',
        'RUN chmod +x /usr/local/bin/hello',
        'ENTRYPOINT ["hello"]',
      ].join('\n'),
      'hello.sh': '#!/bin/sh\necho "hello from docker build: $*"\n',
    });
    const result = await docker(['build', '-t', 'dockerbuilt:1', dir]);
    expect(result.stdout).toContain('Step 1/4 : FROM busybox');
    expect(result.stdout).toMatch(/Successfully built [0-9a-f]{12}/);
    expect(result.stdout).toContain('Successfully tagged dockerbuilt:1');
    expect(await run('dockerbuilt:1', ['there'])).toBe('hello from docker build: there');
    const again = await docker(['build', '-t', 'dockerbuilt:1', dir]);
    expect(again.stdout).toContain('Using cache');
  });

  it('reports a failed RUN as docker does and exits non-zero', async () => {
    const dir = await context({ Dockerfile: ['FROM busybox', 'RUN false'].join('\n') });
    const result = await docker(['build', dir], { reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr + result.stdout).toContain(
      "The command '/bin/sh -c false' returned a non-zero code: 1",
    );
  });
});
