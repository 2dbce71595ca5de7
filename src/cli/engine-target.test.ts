import { afterEach, describe, expect, it } from 'vitest';
import { externalHost, setHostOption, socketOf } from './engine-target.js';

afterEach(() => setHostOption(undefined));

describe('engine target', () => {
  it('reads unix sockets only', () => {
    expect(socketOf('unix:///run/docker.sock')).toBe('/run/docker.sock');
    expect(socketOf('/run/docker.sock')).toBe('/run/docker.sock');
    expect(() => socketOf('tcp://127.0.0.1:2375')).toThrow(/must be a unix socket/);
    expect(() => socketOf('relative.sock')).toThrow(/must be a unix socket/);
  });

  it('takes --host before DOCKER_HOST, and the embedded engine when neither is set', () => {
    expect(externalHost({})).toBeUndefined();
    expect(externalHost({ DOCKER_HOST: '' })).toBeUndefined();
    expect(externalHost({ BERTH_HOST: 'unix:///run/berth/berth.sock' })).toBeUndefined();
    expect(externalHost({ DOCKER_HOST: 'unix:///run/docker.sock' })).toBe('/run/docker.sock');
    setHostOption('unix:///run/other.sock');
    expect(externalHost({ DOCKER_HOST: 'unix:///run/docker.sock' })).toBe('/run/other.sock');
  });
});
