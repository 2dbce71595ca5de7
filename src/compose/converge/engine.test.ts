import { describe, expect, it } from 'vitest';
import { ComposeEngine, type EngineTransport, type TransportRequest } from './engine.js';

function fakeTransport(apiVersion: string | undefined) {
  const requests: TransportRequest[] = [];
  const transport: EngineTransport = {
    apiVersion,
    requestJson: <T>(request: TransportRequest) => {
      requests.push(request);
      return Promise.resolve((request.path === '/containers/create' ? { Id: 'c1' } : undefined) as T);
    },
    request: (request) => {
      requests.push(request);
      return Promise.resolve({ status: 204, body: Buffer.alloc(0) });
    },
    stream: () => Promise.reject(new Error('no stream in this test')),
    events: () => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true, value: undefined }) }),
    }),
  };
  return { transport, requests };
}

const body = {
  Image: 'busybox',
  HostConfig: { NetworkMode: 'app_back' },
  NetworkingConfig: {
    EndpointsConfig: { app_front: { Aliases: ['web'] }, app_back: { Aliases: ['web', 'api'] } },
  },
};

describe('ComposeEngine.createContainer', () => {
  it('sends every network at create to engines of API 1.44 and later', async () => {
    const { transport, requests } = fakeTransport('1.44');
    expect(await new ComposeEngine(transport).createContainer('app-web-1', body)).toBe('c1');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toEqual(body);
  });

  it('creates on the primary network and connects the others on older engines', async () => {
    const { transport, requests } = fakeTransport('1.41');
    await new ComposeEngine(transport).createContainer('app-web-1', body);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /containers/create',
      'POST /networks/app_front/connect',
    ]);
    expect(requests[0]?.body).toMatchObject({
      NetworkingConfig: { EndpointsConfig: { app_back: { Aliases: ['web', 'api'] } } },
    });
    expect(Object.keys((requests[0]?.body as typeof body).NetworkingConfig.EndpointsConfig)).toEqual([
      'app_back',
    ]);
    expect(requests[1]?.body).toEqual({ Container: 'c1', EndpointConfig: { Aliases: ['web'] } });
  });
});
