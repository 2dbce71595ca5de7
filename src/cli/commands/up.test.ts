import { describe, expect, it } from 'vitest';
import { normaliseProject } from '../../compose/load/normalise.js';
import { SourceMap } from '../../compose/load/source-map.js';
import { checkFlags, printedServices, withoutDependencies } from './up.js';

const project = normaliseProject(
  {
    services: {
      web: { image: 'web', depends_on: ['db'], networks: ['front'] },
      db: { image: 'db', volumes: ['data:/data'], networks: ['back'] },
      mail: { image: 'mail', attach: false },
    },
    networks: { front: {}, back: {} },
    volumes: { data: {} },
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

describe('up --no-deps', () => {
  it('keeps the named services only, lists the others as disabled, and drops what only they used', () => {
    const narrowed = withoutDependencies(project, ['web']);
    expect(Object.keys(narrowed.services)).toEqual(['web']);
    expect(Object.keys(narrowed.disabledServices ?? {}).sort()).toEqual(['db', 'mail']);
    expect(Object.keys(narrowed.networks)).toEqual(['front']);
    expect(Object.keys(narrowed.volumes)).toEqual([]);
    // Its depends_on stays (the label says what it depends on); up does not wait for a disabled service.
    expect(Object.keys(narrowed.services.web?.depends_on ?? {})).toEqual(['db']);
  });
});

describe('which services an attached up prints', () => {
  const printed = (args: string[], flags: Parameters<typeof printedServices>[2] = {}) =>
    [...printedServices(project, args, flags)].sort();

  it('all but attach: false ones; the named ones when some are named; their dependencies on request', () => {
    expect(printed([])).toEqual(['db', 'web']);
    expect(printed(['web'])).toEqual(['web']);
    expect(printed(['web'], { attachDependencies: true })).toEqual(['db', 'web']);
  });

  it('--attach picks them (attach: false ones too), --no-attach leaves some out', () => {
    expect(printed([], { attach: ['mail', 'web'] })).toEqual(['mail', 'web']);
    expect(printed([], { noAttach: ['db'] })).toEqual(['web']);
    expect(() => printed([], { attach: ['nope'] })).toThrow(
      'cannot attach to services not included in up: nope',
    );
  });
});

describe('up flags', () => {
  it('tells what ends an attached run', () => {
    expect(checkFlags({})).toBe('ignore');
    expect(checkFlags({ abortOnContainerExit: true })).toBe('exit');
    expect(checkFlags({ abortOnContainerFailure: true })).toBe('failure');
    expect(checkFlags({ exitCodeFrom: 'web' })).toBe('ignore');
  });

  it('refuses combinations that cannot work', () => {
    expect(() => checkFlags({ abortOnContainerExit: true, abortOnContainerFailure: true })).toThrow(
      'incompatible',
    );
    expect(() => checkFlags({ detach: true, exitCodeFrom: 'web' })).toThrow('--detach cannot be combined');
    expect(() => checkFlags({ wait: true, attach: ['web'] })).toThrow('--wait cannot be combined');
    expect(() => checkFlags({ attach: ['web'], attachDependencies: true })).toThrow('incompatible');
  });
});
