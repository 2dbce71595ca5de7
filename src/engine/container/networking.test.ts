import { describe, expect, it } from 'vitest';
import { attachmentFromSettings, loopbackNetworking, portRequests } from './networking.js';
import type { ContainerRecord } from './record.js';

describe('portRequests', () => {
  it('turns PortBindings into bindings: explicit, random, ranges, udp', () => {
    expect(
      portRequests(
        {
          PortBindings: {
            '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
            '53/udp': [{ HostIp: '', HostPort: '' }],
            '9000': [{ HostIp: '', HostPort: '9000-9005' }],
          },
        },
        {},
      ),
    ).toEqual([
      // integer-like keys come first in a JS object
      { protocol: 'tcp', containerPort: 9000, hostIp: '', hostPorts: { first: 9000, last: 9005 } },
      { protocol: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPorts: { first: 8080, last: 8080 } },
      { protocol: 'udp', containerPort: 53, hostIp: '', hostPorts: { first: 0, last: 0 } },
    ]);
  });

  it('publishes every exposed port not bound already with PublishAllPorts', () => {
    expect(
      portRequests(
        { PublishAllPorts: true, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '81' }] } },
        { '80/tcp': {}, '443/tcp': {} },
      ),
    ).toEqual([
      { protocol: 'tcp', containerPort: 80, hostIp: '', hostPorts: { first: 81, last: 81 } },
      { protocol: 'tcp', containerPort: 443, hostIp: '', hostPorts: { first: 0, last: 0 } },
    ]);
  });

  it('refuses bad specifications at create', () => {
    expect(() => portRequests({ PortBindings: { 'x/tcp': null } }, {})).toThrow(
      'invalid port specification: "x/tcp"',
    );
    expect(() => portRequests({ PortBindings: { '80/sctp': null } }, {})).toThrow('invalid proto "sctp"');
    expect(() =>
      portRequests({ PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '90-80' }] } }, {}),
    ).toThrow('invalid host port: "90-80"');
  });
});

describe('attachments and the loopback-only view', () => {
  it('keeps aliases, a static address and a MAC address from EndpointSettings', () => {
    expect(
      attachmentFromSettings({
        Aliases: ['db'],
        IPAMConfig: { IPv4Address: '10.0.0.5' },
        MacAddress: '02:42:00:00:00:05',
      }),
    ).toEqual({ aliases: ['db'], ipv4Address: '10.0.0.5', macAddress: '02:42:00:00:00:05' });
    expect(attachmentFromSettings(undefined)).toEqual({ aliases: [] });
  });

  it('shows exposed ports unpublished and the host network for host mode', () => {
    const record = {
      id: 'a'.repeat(64),
      hostConfig: { NetworkMode: 'host' },
      config: { ExposedPorts: { '80/tcp': {} } },
    } as unknown as ContainerRecord;
    const view = loopbackNetworking.view(record, false);
    expect(view.ports).toEqual({ '80/tcp': null });
    expect(view.summaryPorts).toEqual([{ PrivatePort: 80, Type: 'tcp' }]);
    expect(Object.keys(view.networks)).toEqual(['host']);
    expect(() =>
      loopbackNetworking.validate({ Image: 'x', HostConfig: { NetworkMode: 'mynet' } }, () => record),
    ).toThrow('network mode "mynet" is not implemented');
  });
});
