// Build benchmarks: the same Dockerfile and context (200 small source files, a dependency manifest, an 8 MB
// layer) built cold (--no-cache), rebuilt with nothing changed, and rebuilt after one source file changed, on
// every target: `berth image build` (the built CLI, context packing included), `docker build` (the classic
// builder of the private dockerd), `podman build`. All with --network none. Medians of a few runs.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE } from './targets.mjs';
import { summarise } from './startup.mjs';

const TAG = 'bench-build:latest';

const DOCKERFILE = `FROM ${IMAGE}
WORKDIR /app
COPY deps.txt ./
RUN sha256sum deps.txt > deps.sum && dd if=/dev/zero of=/app/blob bs=1M count=8 2>/dev/null
COPY src/ ./src/
RUN find src -type f | sort | xargs cat | sha256sum > /app/src.sum
CMD ["cat", "/app/src.sum"]
`;

async function makeContext(dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'src', 'lib'), { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, 'deps.txt'), 'dependency-a==1\ndependency-b==2\n');
  for (let i = 0; i < 200; i++)
    await writeFile(path.join(dir, 'src', 'lib', `module${i}.txt`), `module ${i}\n`.repeat(50));
  await writeFile(path.join(dir, 'src', 'main.txt'), 'main 0\n');
}

export async function benchBuild(targets, dir, { runs = 3 } = {}) {
  const rows = {
    cold: { name: 'build, cold (--no-cache)', unit: 'ms', results: {} },
    unchanged: { name: 'rebuild, nothing changed', unit: 'ms', results: {} },
    oneFile: { name: 'rebuild, one source file changed', unit: 'ms', results: {} },
  };
  for (const target of targets) {
    const context = path.join(dir, target.name);
    await makeContext(context);
    const samples = { cold: [], unchanged: [], oneFile: [] };
    for (let i = 0; i < runs; i++) {
      samples.cold.push(target.build(context, TAG, ['--no-cache']));
      samples.unchanged.push(target.build(context, TAG, []));
      await writeFile(path.join(context, 'src', 'main.txt'), `main ${i + 1}\n`);
      samples.oneFile.push(target.build(context, TAG, []));
    }
    for (const [key, values] of Object.entries(samples)) rows[key].results[target.name] = summarise(values);
  }
  return Object.values(rows);
}
