import { describe, expect, it } from 'vitest';
import { normaliseProject } from '../../compose/load/normalise.js';
import { SourceMap } from '../../compose/load/source-map.js';
import { environmentLines, imageNames } from './config.js';

describe('config --images', () => {
  it('names built images project-service and adds pre_start images that differ', () => {
    const project = normaliseProject(
      {
        services: {
          web: { image: 'nginx:1.27' },
          app: {
            build: '.',
            pre_start: [{ command: 'migrate', image: 'migrator:1' }, { command: 'seed' }],
          },
          same: { image: 'x:1', pre_start: [{ command: 'a', image: 'x:1' }] },
        },
      },
      {
        projectName: 'demo',
        workingDir: '/projects/app',
        configFiles: ['/projects/app/compose.yaml'],
        environment: new Map(),
        sourceMap: new SourceMap(),
        resolvePaths: true,
      },
    );
    expect(imageNames(project)).toEqual(['nginx:1.27', 'demo-app', 'migrator:1', 'x:1']);
  });
});

describe('config --environment', () => {
  it('prints KEY=value lines sorted', () => {
    expect(
      environmentLines(
        new Map([
          ['b', '2'],
          ['A', '1'],
          ['a', '0'],
        ]),
      ),
    ).toEqual(['A=1', 'a=0', 'b=2']);
  });
});
