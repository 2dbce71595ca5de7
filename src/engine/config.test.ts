import { describe, expect, it } from 'vitest';
import { engineConfigEnv, resolveEngineConfig, socketPathOfHost } from './config.js';

describe('resolveEngineConfig', () => {
  it('uses the root defaults when nothing is set', () => {
    const config = resolveEngineConfig({});
    expect(config).toEqual({
      root: '/var/lib/berth',
      runDir: '/run/berth',
      socket: '/run/berth/berth.sock',
      runtime: 'runc',
      bridgePrefix: 'berth',
      subnetPool: { base: '10.213.0.0/16', size: 24 },
      logLevel: 'info',
      logFile: '/run/berth/engine.log',
      pidFile: '/run/berth/engine.pid',
      runtimeStateDir: '/run/berth/runc',
      monitor: {
        exitsDir: '/run/berth/exits',
        pidsDir: '/run/berth/monitor',
        socketsDir: '/run/berth/sockets',
      },
      registry: { mirrors: [], insecure: [] },
    });
  });

  it('derives every runtime path from BERTH_RUN and takes BERTH_HOST as a unix URL or a path', () => {
    const config = resolveEngineConfig({ BERTH_ROOT: '/tmp/a/root', BERTH_RUN: '/tmp/a/run/' });
    expect(config.root).toBe('/tmp/a/root');
    expect(config.socket).toBe('/tmp/a/run/berth.sock');
    expect(config.logFile).toBe('/tmp/a/run/engine.log');
    expect(resolveEngineConfig({ BERTH_HOST: 'unix:///tmp/x.sock' }).socket).toBe('/tmp/x.sock');
    expect(resolveEngineConfig({ BERTH_HOST: '/tmp/y.sock' }).socket).toBe('/tmp/y.sock');
  });

  it('reads the runtime, bridge prefix, pool and log level', () => {
    const config = resolveEngineConfig({
      BERTH_RUNTIME: '/usr/bin/crun',
      BERTH_BRIDGE_PREFIX: 'bt1',
      BERTH_SUBNET_POOL: '10.99.0.0/16',
      BERTH_SUBNET_SIZE: '26',
      BERTH_LOG_LEVEL: 'DEBUG',
    });
    expect([config.runtime, config.bridgePrefix, config.subnetPool, config.logLevel]).toEqual([
      '/usr/bin/crun',
      'bt1',
      { base: '10.99.0.0/16', size: 26 },
      'debug',
    ]);
  });

  it('rejects values it cannot use, naming the variable', () => {
    expect(() => resolveEngineConfig({ BERTH_ROOT: 'relative' })).toThrow(
      'BERTH_ROOT must be an absolute path',
    );
    expect(() => resolveEngineConfig({ BERTH_HOST: 'tcp://1.2.3.4:2375' })).toThrow(
      'BERTH_HOST must be a unix socket',
    );
    expect(() => resolveEngineConfig({ BERTH_SUBNET_POOL: '10.0.0.0' })).toThrow('BERTH_SUBNET_POOL must be');
    expect(() => resolveEngineConfig({ BERTH_SUBNET_SIZE: '8' })).toThrow('BERTH_SUBNET_SIZE must be');
    expect(() => resolveEngineConfig({ BERTH_BRIDGE_PREFIX: 'much-too-long' })).toThrow(
      'BERTH_BRIDGE_PREFIX',
    );
    expect(() => resolveEngineConfig({ BERTH_LOG_LEVEL: 'loud' })).toThrow('BERTH_LOG_LEVEL must be one of');
  });

  it('round-trips through the environment it gives a child process', () => {
    const config = resolveEngineConfig({ BERTH_ROOT: '/r', BERTH_RUN: '/x', BERTH_SUBNET_SIZE: '25' });
    expect(resolveEngineConfig(engineConfigEnv(config))).toEqual(config);
  });

  it('parses unix host URLs', () => {
    expect(socketPathOfHost('unix:///run/berth/berth.sock')).toBe('/run/berth/berth.sock');
  });
});
