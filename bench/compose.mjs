// Compose benchmarks: `up -d`, a no-change `up -d` and `down` of 1, 10 and 30 busybox services, the same compose
// file for every target (each service with network_mode none, so that no peer needs a bridge or firewall rules),
// through each target's compose tool: berth, docker-compose, podman-compose. A few runs each, bounded in time:
// past the budget the group stops and keeps what it measured.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE } from './targets.mjs';
import { summarise } from './startup.mjs';

const SIZES = [1, 10, 30];

export function composeFile(services) {
  const lines = ['services:'];
  for (let i = 1; i <= services; i++) {
    lines.push(
      `  s${i}:`,
      `    image: ${IMAGE}`,
      '    network_mode: none',
      `    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Rows of up / no-change up / down per size, each with one result per target. */
export async function benchCompose(targets, dir, { runs = 3, budgetMs = 600_000 } = {}) {
  const deadline = Date.now() + budgetMs;
  const rows = [];
  for (const size of SIZES) {
    const samples = { up: {}, 'no-change up': {}, down: {} };
    for (const target of targets) {
      const projectDir = path.join(dir, `${target.name}-${size}`);
      await mkdir(projectDir, { recursive: true });
      await writeFile(path.join(projectDir, 'compose.yaml'), composeFile(size));
      for (const step of Object.keys(samples)) samples[step][target.name] = [];
      // Fewer runs of the largest project: one podman-compose up, no-change up and down of it takes 2 minutes.
      const sizeRuns = size < 30 ? runs : target.name === 'podman' ? 1 : Math.min(runs, 2);
      for (let run = 0; run < sizeRuns && Date.now() < deadline; run++) {
        const project = `bench${size}`;
        try {
          samples.up[target.name].push(target.compose(projectDir, project, ['up', '-d']));
          samples['no-change up'][target.name].push(target.compose(projectDir, project, ['up', '-d']));
        } finally {
          samples.down[target.name].push(target.compose(projectDir, project, ['down']));
        }
      }
    }
    for (const [step, byTarget] of Object.entries(samples)) {
      const results = {};
      for (const [name, values] of Object.entries(byTarget))
        if (values.length > 0) results[name] = summarise(values);
      rows.push({ name: `compose ${step}, ${size} service${size === 1 ? '' : 's'}`, unit: 'ms', results });
    }
  }
  return rows;
}
