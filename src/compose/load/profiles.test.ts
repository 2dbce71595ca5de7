import { describe, expect, it } from 'vitest';
import { parseComposeYaml } from './parse.js';
import { applyProfiles, listProfiles } from './profiles.js';
import type { RawMap } from './raw.js';

// The example of the Compose Specification's profiles chapter.
const EXAMPLE: RawMap = {
  name: 'demo',
  services: {
    foo: { image: 'foo' },
    bar: { image: 'bar', profiles: ['test'] },
    baz: { image: 'baz', depends_on: ['bar'], profiles: ['test'] },
    zot: { image: 'zot', depends_on: ['bar'], profiles: ['debug'] },
  },
  volumes: { data: {} },
};

function activeServices(model: RawMap, enabled: string[], explicit: string[] = []): string[] {
  return Object.keys(applyProfiles(model, enabled, explicit).services as RawMap);
}

describe('applyProfiles', () => {
  it('keeps only services without profiles when none is enabled', () => {
    expect(applyProfiles(EXAMPLE, [], [])).toEqual({
      name: 'demo',
      services: { foo: { image: 'foo' } },
      volumes: { data: {} },
    });
  });

  it('adds the services of enabled profiles', () => {
    expect(activeServices(EXAMPLE, ['test'])).toEqual(['foo', 'bar', 'baz']);
    expect(activeServices(EXAMPLE, ['debug', 'test'])).toEqual(['foo', 'bar', 'baz', 'zot']);
    expect(activeServices(EXAMPLE, [' test ', ''])).toEqual(['foo', 'bar', 'baz']);
  });

  it('enables every profile with *', () => {
    expect(activeServices(EXAMPLE, ['*'])).toEqual(['foo', 'bar', 'baz', 'zot']);
  });

  it('enables the profiles of a service named on the command line', () => {
    expect(activeServices(EXAMPLE, [], ['bar'])).toEqual(['foo', 'bar', 'baz']);
    expect(activeServices(EXAMPLE, [], ['baz'])).toEqual(['foo', 'bar', 'baz']);
    expect(activeServices(EXAMPLE, ['test'], ['zot'])).toEqual(['foo', 'bar', 'baz', 'zot']);
  });

  it('refuses an active service that needs a disabled one', () => {
    expect(() => applyProfiles(EXAMPLE, ['debug'], [])).toThrow(
      'services.zot.depends_on[0]: service "bar" is required by "zot" but is disabled; it can be enabled by profile "test"',
    );
    expect(() => applyProfiles(EXAMPLE, [], ['zot'])).toThrow(
      'service "bar" is required by "zot" but is disabled',
    );
  });

  it('points at the reference in the file when given the source map', () => {
    const [parsed] = parseComposeYaml(
      [
        'services:',
        '  web:',
        '    image: w',
        '    network_mode: service:vpn',
        '  vpn:',
        '    image: v',
        '    profiles: [net, tools]',
        '',
      ].join('\n'),
      'compose.yaml',
    );
    expect(() => applyProfiles(parsed!.value, [], [], parsed!.sourceMap)).toThrow(
      'compose.yaml:4:5 services.web.network_mode: service "vpn" is required by "web" but is disabled; ' +
        'it can be enabled by profiles "net", "tools"',
    );
  });

  it('counts links, volumes_from and service: namespaces as dependencies', () => {
    const model = (service: RawMap): RawMap => ({
      services: { web: { image: 'w', ...service }, db: { image: 'd', profiles: ['db'] } },
    });
    expect(() => applyProfiles(model({ links: ['db:database'] }), [], [])).toThrow('services.web.links[0]');
    expect(() => applyProfiles(model({ volumes_from: ['db:ro'] }), [], [])).toThrow(
      'services.web.volumes_from[0]',
    );
    expect(() => applyProfiles(model({ volumes_from: ['container:db'] }), [], [])).not.toThrow();
    expect(() => applyProfiles(model({ ipc: 'service:db' }), [], [])).toThrow('services.web.ipc');
  });

  it('drops optional dependencies on disabled services', () => {
    const model: RawMap = {
      services: {
        web: {
          image: 'w',
          depends_on: {
            db: { condition: 'service_started', required: false },
            cache: { condition: 'service_healthy' },
          },
        },
        db: { image: 'd', profiles: ['db'] },
        cache: { image: 'c' },
      },
    };
    expect(applyProfiles(model, [], [])).toEqual({
      services: {
        web: { image: 'w', depends_on: { cache: { condition: 'service_healthy' } } },
        cache: { image: 'c' },
      },
    });
    expect(model.services).toHaveProperty('web.depends_on.db');
  });

  it('leaves references to unknown services to the consistency check', () => {
    const model: RawMap = { services: { web: { image: 'w', depends_on: ['nope'] } } };
    expect(applyProfiles(model, [], [])).toEqual(model);
  });

  it('refuses an unknown service named on the command line', () => {
    expect(() => applyProfiles(EXAMPLE, [], ['nope'])).toThrow('no such service: nope');
    expect(() => applyProfiles({ name: 'x' }, [], ['nope'])).toThrow('no such service: nope');
  });
});

describe('listProfiles', () => {
  it('lists every profile once, sorted', () => {
    expect(
      listProfiles({
        services: {
          a: { profiles: ['test', 'debug'] },
          b: { profiles: ['debug'] },
          c: { image: 'c' },
          d: { profiles: ['a-tools'] },
        },
      }),
    ).toEqual(['a-tools', 'debug', 'test']);
    expect(listProfiles({})).toEqual([]);
  });
});
