import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../compose/model/types.js';
import { reloadFiles, resolveRules, restartDependents } from './rules.js';

const dir = path.resolve('/project');

function project(services: Record<string, Partial<Service>>): Project {
  return {
    name: 'p',
    workingDir: dir,
    configFiles: [path.join(dir, 'compose.yaml')],
    environment: new Map(),
    services: Object.fromEntries(
      Object.entries(services).map(([name, service]) => [name, { name, ...service } as Service]),
    ),
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    models: {},
    extensions: {},
  };
}

describe('watch rules', () => {
  it('flags a sync path that is also bind-mounted, by path components rather than string prefix', async () => {
    const { rules, warnings } = await resolveRules(
      project({
        web: {
          volumes: [{ type: 'bind', source: path.join(dir, 'data'), target: '/data' }],
          develop: {
            watch: [
              { path: path.join(dir, 'data/app'), target: '/app', action: 'sync' },
              { path: path.join(dir, 'data-init'), target: '/init', action: 'sync' },
            ],
          },
        },
      }),
    );
    expect(rules.map((rule) => rule.mapping?.target)).toEqual(['/app', '/init']);
    expect(warnings.map((w) => w.text)).toEqual([
      `path ${path.join(dir, 'data/app')} is also bind-mounted (${path.join(dir, 'data')}): the container sees it already; syncing it as well`,
    ]);
  });

  it('skips a sync rule without a target and a rebuild rule without a build', async () => {
    const { rules, warnings } = await resolveRules(
      project({
        web: {
          develop: {
            watch: [
              { path: path.join(dir, 'src'), action: 'sync' },
              { path: path.join(dir, 'pkg'), action: 'rebuild' },
              { path: path.join(dir, 'conf'), action: 'restart' },
            ],
          },
        },
      }),
    );
    expect(rules.map((rule) => rule.rule.action)).toEqual(['restart']);
    expect(warnings).toHaveLength(2);
  });

  it('lists the files that reload the project and the dependants to restart', () => {
    const p = project({
      web: { env_file: [{ path: path.join(dir, 'web.env'), required: true }] },
      worker: { depends_on: { web: { condition: 'service_started', restart: true, required: true } } },
      other: { depends_on: { web: { condition: 'service_started', required: true } } },
    });
    expect(reloadFiles(p).sort()).toEqual(
      [path.join(dir, '.env'), path.join(dir, 'compose.yaml'), path.join(dir, 'web.env')].sort(),
    );
    expect(restartDependents(p, 'web')).toEqual(['worker']);
  });
});
