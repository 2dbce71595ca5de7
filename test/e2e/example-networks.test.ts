// examples/networks through the built CLI: the proxy answers on the published port with the frontend's page and
// the database's rows (proxy -> api -> db), reaches every service by name from inside; the frontend reaches
// neither the database nor the api, by name or by address; the api reaches the database but not the frontend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchText, openExample, type ExampleProject } from './example-project.js';

let example: ExampleProject;

/** Runs a command in a service's container; true when it exits 0 with some output. */
async function reaches(service: string, command: string[]): Promise<boolean> {
  const result = await example.berth(['exec', '-T', service, 'timeout', '5', ...command]);
  return result.exitCode === 0 && result.stdout.trim() !== '';
}

const nc = (host: string, port: number) => ['nc', '-w', '2', host, String(port)];
const wget = (url: string) => ['wget', '-q', '-O', '-', url];

async function addressOn(service: string, network: string): Promise<string> {
  const result = await example.berth(['container', 'inspect', `networks-${service}-1`]);
  expect(result.exitCode, result.stderr).toBe(0);
  const [info] = JSON.parse(result.stdout) as Array<{
    NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
  }>;
  const address = info?.NetworkSettings.Networks[network]?.IPAddress;
  expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  return address!;
}

beforeAll(async () => {
  example = await openExample('networks', 'berth-e2e-example-networks-', {
    busybox: true,
    portVariable: 'NETWORKS_PORT',
  });
  const up = await example.berth(['up', '-d', '--wait']);
  expect(up.exitCode, up.stderr).toBe(0);
});

afterAll(async () => {
  await example?.close();
});

describe('examples/networks', () => {
  it('serves the frontend and the rows through the proxy on 127.0.0.1', async () => {
    expect(await fetchText(example.port, '/')).toContain('<h1>frontend</h1>');
    expect(await fetchText(example.port, '/api/rows')).toContain('only the backend network reaches me');
  });

  it('the proxy, on both networks, reaches every service by name', async () => {
    expect(await reaches('proxy', wget('http://frontend:8080/'))).toBe(true);
    expect(await reaches('proxy', wget('http://api:8080/cgi-bin/rows'))).toBe(true);
    expect(await reaches('proxy', nc('db', 5432))).toBe(true);
  });

  it('the frontend reaches neither the database nor the api, by name or by address', async () => {
    expect(await reaches('frontend', nc('db', 5432))).toBe(false);
    expect(await reaches('frontend', wget('http://api:8080/cgi-bin/rows'))).toBe(false);
    expect(await reaches('frontend', nc(await addressOn('db', 'networks_backend'), 5432))).toBe(false);
    expect(await reaches('frontend', nc(await addressOn('api', 'networks_backend'), 8080))).toBe(false);
  });

  it('the api reaches the database but not the frontend', async () => {
    expect(await reaches('api', nc('db', 5432))).toBe(true);
    expect(await reaches('api', wget('http://frontend:8080/'))).toBe(false);
    expect(
      await reaches('api', wget(`http://${await addressOn('frontend', 'networks_frontend')}:8080/`)),
    ).toBe(false);
  });
});
