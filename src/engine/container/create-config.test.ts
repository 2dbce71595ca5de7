import { describe, expect, it } from 'vitest';
import type { ContainerDefaults } from '../image/image-config.js';
import { mergeCreateConfig, mergeEnv } from './create-config.js';

const image: ContainerDefaults = {
  user: 'app',
  exposedPorts: ['80/tcp'],
  env: ['PATH=/bin', 'A=1'],
  entrypoint: ['/entry'],
  cmd: ['serve'],
  volumes: [],
  workingDir: '/srv',
  labels: { from: 'image', tier: 'base' },
  stopSignal: 'SIGQUIT',
  healthcheck: undefined,
  argsEscaped: false,
  shell: undefined,
  onBuild: [],
};
const id = 'abcdef0123456789'.repeat(4);

describe('mergeCreateConfig', () => {
  it('inherits entrypoint and cmd from the image', () => {
    const merged = mergeCreateConfig({ Image: 'x' }, image, { id, imageName: 'x' });
    expect([merged.path, merged.args]).toEqual(['/entry', ['serve']]);
    expect(merged.config.Hostname).toBe('abcdef012345');
    expect(merged.config.User).toBe('app');
    expect(merged.config.WorkingDir).toBe('/srv');
    expect(merged.config.StopSignal).toBe('SIGQUIT');
  });

  it('replaces cmd only, keeping the entrypoint', () => {
    const merged = mergeCreateConfig({ Image: 'x', Cmd: ['a', 'b'] }, image, { id, imageName: 'x' });
    expect([merged.path, merged.args]).toEqual(['/entry', ['a', 'b']]);
  });

  it('drops the image cmd when the entrypoint is given, and clears it with [""]', () => {
    const given = mergeCreateConfig({ Image: 'x', Entrypoint: ['sh'] }, image, { id, imageName: 'x' });
    expect([given.path, given.args, given.config.Cmd]).toEqual(['sh', [], null]);
    const cleared = mergeCreateConfig({ Image: 'x', Entrypoint: [''], Cmd: ['ls'] }, image, {
      id,
      imageName: 'x',
    });
    expect([cleared.path, cleared.args, cleared.config.Entrypoint]).toEqual(['ls', [], null]);
  });

  it('refuses a container without a command', () => {
    const bare = { ...image, entrypoint: undefined, cmd: undefined };
    expect(() => mergeCreateConfig({ Image: 'x' }, bare, { id, imageName: 'x' })).toThrow(
      'No command specified',
    );
  });

  it('merges env by name, labels and exposed ports as unions', () => {
    const merged = mergeCreateConfig(
      { Image: 'x', Env: ['A=2', 'B=3'], Labels: { tier: 'web' }, ExposedPorts: { '8080': {} } },
      image,
      { id, imageName: 'x' },
    );
    expect(merged.config.Env).toEqual(['PATH=/bin', 'A=2', 'B=3']);
    expect(merged.config.Labels).toEqual({ from: 'image', tier: 'web' });
    expect(merged.config.ExposedPorts).toEqual({ '80/tcp': {}, '8080/tcp': {} });
  });

  it('mergeEnv keeps order and replaces in place', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4', 'A=5'])).toEqual(['A=5', 'B=3', 'C=4']);
  });
});
