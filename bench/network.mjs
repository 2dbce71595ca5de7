// Network benchmarks: (a) create+start of a `true` container on a user network against the same with NetworkMode
// none (the difference is the network's share: veth, address, DNS registration), medians of 20; (b) a 100 MB
// HTTP download from busybox httpd in a container through the published port on 127.0.0.1 against the
// container's own address on the bridge, medians of 5, with MB/s (10^6 bytes) from the medians. The engine runs
// from the built CLI on a temporary root with its own bridge prefix and subnet pool; every container and network
// is removed and the engine stopped (which takes its links and rules away) before returning.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { api, apiJson, busyboxTar, startEngine, time } from './harness.mjs';
import { summarise } from './startup.mjs';

const IMAGE = 'berth-bench/busybox-net:latest';
const PREFIX = 'bbnet';
const POOL = '10.213.219.0/24';
const NETWORK = 'bench-net';
const BLOB_MB = 100;
const BLOB_BYTES = BLOB_MB * 1_000_000;
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

async function createAndStart(socket, networkMode) {
  const { Id } = await apiJson(socket, 'POST', '/containers/create', {
    Image: IMAGE,
    Cmd: ['true'],
    HostConfig: { NetworkMode: networkMode },
  });
  await api(socket, 'POST', `/containers/${Id}/start`);
  return Id;
}

/** GETs /blob from host:port and counts the body; rejects unless exactly BLOB_BYTES arrive within 60 s. */
function download(host, port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/blob', agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk) => (received += chunk.length));
      res.on('end', () =>
        received === BLOB_BYTES && res.statusCode === 200
          ? resolve()
          : reject(new Error(`GET ${host}:${port}/blob: status ${res.statusCode}, ${received} bytes`)),
      );
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`GET ${host}:${port}/blob timed out`)));
    req.on('error', reject);
  });
}

/** Waits until the blob is served (httpd starts only after dd has written it), a bounded number of tries. */
async function waitForBlob(host, port) {
  for (let i = 0; i < 100; i++) {
    try {
      await download(host, port);
      return;
    } catch (error) {
      if (i === 99) throw error;
      await sleep(100);
    }
  }
}

async function throughput(runs, host, port) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await download(host, port);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return summarise(samples);
}

/** A figure derived from medians, shown in the table's "median" column with one run. */
const derived = (value, unit) => ({ runs: 1, median: value, p95: value, min: value, max: value, unit });
const mbPerSecond = (stats) => derived(BLOB_MB / (stats.median / 1000), 'MB/s');

function leftoverLinks() {
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  return links
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
}

async function measure({ attachRuns, transferRuns }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-net-'));
  // the engine turns on forwarding for its bridges; the host gets its setting back afterwards
  const ipForward = await readFile(IP_FORWARD, 'utf8');
  let engine;
  const remove = (id) => api(engine.socket, 'DELETE', `/containers/${id}?force=1`);
  try {
    const tar = await busyboxTar(dir, ['sh', 'true', 'mkdir', 'dd', 'httpd']);
    engine = await startEngine(dir, {
      BERTH_BRIDGE_PREFIX: PREFIX,
      BERTH_SUBNET_POOL: POOL,
      BERTH_SUBNET_SIZE: '26',
    });
    const { socket } = engine;
    const [repo, tag] = IMAGE.split(':');
    await api(
      socket,
      'POST',
      `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${tag}`,
      await readFile(tar),
    );
    await api(socket, 'POST', '/networks/create', { Name: NETWORK });

    const results = {};
    const onNetwork = await time(attachRuns, () => createAndStart(socket, NETWORK), remove);
    const none = await time(attachRuns, () => createAndStart(socket, 'none'), remove);
    results['create+start (true) on a user network'] = onNetwork;
    results['create+start (true) with NetworkMode none'] = none;
    results['network share of create+start (median difference)'] = derived(
      onNetwork.median - none.median,
      'ms',
    );

    const { Id: server } = await apiJson(socket, 'POST', '/containers/create', {
      Image: IMAGE,
      Cmd: [
        'sh',
        '-c',
        `mkdir /www && dd if=/dev/zero of=/www/blob bs=1000000 count=${BLOB_MB} 2>/dev/null && exec httpd -f -p 80 -h /www`,
      ],
      ExposedPorts: { '80/tcp': {} },
      HostConfig: {
        NetworkMode: NETWORK,
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
    });
    await api(socket, 'POST', `/containers/${server}/start`);
    const info = await apiJson(socket, 'GET', `/containers/${server}/json`);
    const hostPort = Number(info.NetworkSettings.Ports['80/tcp'][0].HostPort);
    const address = info.NetworkSettings.Networks[NETWORK].IPAddress;
    await waitForBlob('127.0.0.1', hostPort);
    await waitForBlob(address, 80);
    const proxied = await throughput(transferRuns, '127.0.0.1', hostPort);
    const direct = await throughput(transferRuns, address, 80);
    results[`GET ${BLOB_MB} MB via published port on 127.0.0.1`] = proxied;
    results[`GET ${BLOB_MB} MB from the container address on the bridge`] = direct;
    results['MB/s via published port on 127.0.0.1 (from median)'] = mbPerSecond(proxied);
    results['MB/s from the container address (from median)'] = mbPerSecond(direct);
    return results;
  } finally {
    if (engine) {
      const left = await apiJson(engine.socket, 'GET', '/containers/json?all=1').catch(() => []);
      for (const { Id } of left) await remove(Id).catch(() => undefined);
      await api(engine.socket, 'DELETE', `/networks/${NETWORK}`).catch(() => undefined);
      await engine.stop();
    }
    await writeFile(IP_FORWARD, ipForward);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchNetwork({ attachRuns = 20, transferRuns = 5 } = {}) {
  const results = await measure({ attachRuns, transferRuns });
  const left = leftoverLinks();
  if (left.length > 0) throw new Error(`links of ${PREFIX} left behind: ${left.join(', ')}`);
  return results;
}

// `node bench/network.mjs` runs this group alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchNetwork(), null, 2));
}
