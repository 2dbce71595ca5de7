import { describe, expect, it } from 'vitest';
import type { NetworkRecord } from '../../network/index.js';
import { createOptions, matchNetwork, networkResource, pseudoNetwork } from './networks.js';

const record: NetworkRecord = {
  id: 'ab'.repeat(32),
  name: 'app_default',
  created: '2026-01-02T03:04:05.000Z',
  bridge: 'berthabab',
  subnet: '10.213.5.0/24',
  gateway: '10.213.5.1',
  ipRange: '10.213.5.0/24',
  internal: false,
  labels: { 'com.docker.compose.project': 'app' },
  options: { 'com.example.opt': '1' },
  endpoints: {
    ['cd'.repeat(32)]: {
      endpointId: 'ef'.repeat(32),
      containerId: 'cd'.repeat(32),
      containerName: 'app-web-1',
      names: ['app-web-1', 'web'],
      ifname: 'eth0',
      ipv4Address: '10.213.5.2',
      prefixLength: 24,
      macAddress: '02:42:0a:d5:05:02',
      hostVeth: 'berthefef',
      netnsPath: '/run/netns/berth-cdcd',
      defaultRoute: true,
    },
  },
};

const filters = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe('network wire view', () => {
  it('shows a bridge network as Docker does, echoing options and labels', () => {
    expect(networkResource(record)).toMatchObject({
      Name: 'app_default',
      Id: record.id,
      Scope: 'local',
      Driver: 'bridge',
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.213.5.0/24', Gateway: '10.213.5.1' }] },
      Containers: {
        ['cd'.repeat(32)]: {
          Name: 'app-web-1',
          IPv4Address: '10.213.5.2/24',
          MacAddress: '02:42:0a:d5:05:02',
        },
      },
      Options: { 'com.example.opt': '1' },
      Labels: { 'com.docker.compose.project': 'app' },
    });
    expect(pseudoNetwork('none', 'engine', 'now')).toMatchObject({
      Name: 'none',
      Driver: 'null',
      Containers: {},
    });
  });

  it('filters by name part, id prefix, driver, type, dangling and label', () => {
    const app = networkResource(record);
    const host = pseudoNetwork('host', 'engine', 'now');
    expect(matchNetwork(app, filters({ name: ['default'], id: ['abab'], driver: ['bridge'] }))).toBe(true);
    expect(matchNetwork(app, filters({ type: ['custom'], dangling: ['false'] }))).toBe(true);
    expect(matchNetwork(host, filters({ type: ['builtin'] }))).toBe(true);
    expect(matchNetwork(host, filters({ dangling: ['true'] }))).toBe(false);
    expect(matchNetwork(app, filters({ label: ['com.docker.compose.project=other'] }))).toBe(false);
    expect(() => matchNetwork(app, filters({ type: ['odd'] }))).toThrow("invalid filter: 'type'='odd'");
  });
});

describe('create requests', () => {
  it('takes name, IPAM config, internal, labels and options', () => {
    expect(
      createOptions({
        Name: 'backend',
        Driver: 'bridge',
        Internal: true,
        IPAM: {
          Driver: 'default',
          Config: [{ Subnet: '10.9.0.0/24', Gateway: '10.9.0.254', IPRange: '10.9.0.128/25' }],
        },
        Labels: { a: 'b' },
        Options: { o: 'p' },
      }),
    ).toEqual({
      name: 'backend',
      subnet: '10.9.0.0/24',
      gateway: '10.9.0.254',
      ipRange: '10.9.0.128/25',
      internal: true,
      attachable: false,
      labels: { a: 'b' },
      options: { o: 'p' },
    });
  });

  it('refuses what berth cannot make, with a clear message', () => {
    expect(() => createOptions({ Name: '' })).toThrow('network name is required');
    expect(() => createOptions({ Name: 'host' })).toThrow('network with name host already exists');
    expect(() => createOptions({ Name: 'x', Driver: 'overlay' })).toThrow('the overlay network driver');
    expect(() => createOptions({ Name: 'x', Driver: 'weird' })).toThrow(
      'network driver "weird" is not available',
    );
    expect(() => createOptions({ Name: 'x', EnableIPv6: true })).toThrow('IPv6 networks');
    expect(() => createOptions({ Name: 'bad name' })).toThrow('invalid network name "bad name"');
  });
});
