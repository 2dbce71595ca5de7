// Published ports: a userland proxy in the engine listening on host_ip:host_port and relaying to
// container_ip:container_port, for TCP (with half-close passed through) and UDP (one upstream socket per client,
// dropped after an idle time). Invariants: the listener is bound before publishPort resolves, so a busy port fails
// the container's start at once with a message naming the port and, when /proc can tell, its holder; close()
// releases the listener and every relayed connection.

import dgram from 'node:dgram';
import net from 'node:net';
import { BerthError } from '../../shared/errors.js';
import { findPortHolder } from './port-holder.js';

export type Protocol = 'tcp' | 'udp';

export interface PortBinding {
  readonly protocol: Protocol;
  /** '' or 0.0.0.0 for every IPv4 address, '::' for every address. */
  readonly hostIp: string;
  /** 0 picks a free port. */
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
}

export interface PublishedPort {
  readonly protocol: Protocol;
  readonly hostIp: string;
  /** The port actually bound (differs from the binding's when it asked for 0). */
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** How long a UDP client's flow lives without traffic (Docker: 90 s). */
  readonly udpIdleMs?: number;
}

const UDP_IDLE_MS = 90_000;

/** Binds the host side of one binding and starts relaying. */
export async function publishPort(binding: PortBinding, options: ProxyOptions = {}): Promise<PublishedPort> {
  const hostIp = binding.hostIp === '' ? '0.0.0.0' : binding.hostIp;
  try {
    return binding.protocol === 'tcp'
      ? await publishTcp({ ...binding, hostIp })
      : await publishUdp({ ...binding, hostIp }, options.udpIdleMs ?? UDP_IDLE_MS);
  } catch (error) {
    throw await bindError(error, { ...binding, hostIp });
  }
}

async function publishTcp(binding: PortBinding): Promise<PublishedPort> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    track(client);
    const upstream = net.connect({
      host: binding.containerIp,
      port: binding.containerPort,
      allowHalfOpen: true,
    });
    track(upstream);
    upstream.on('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    // a reset on either side resets the other; a half-close (end) is passed on by pipe()
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => {
      if (!client.writableEnded) client.destroy();
    });
    client.on('close', () => {
      if (!upstream.writableEnded) upstream.destroy();
    });
  });
  await listen(server, binding.hostIp, binding.hostPort);
  const port = (server.address() as net.AddressInfo).port;
  return {
    ...binding,
    hostPort: port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function publishUdp(binding: PortBinding, idleMs: number): Promise<PublishedPort> {
  const family = net.isIPv6(binding.hostIp) ? 'udp6' : 'udp4';
  const listener = dgram.createSocket({ type: family });
  const flows = new Map<string, { socket: dgram.Socket; timer: NodeJS.Timeout }>();
  const endFlow = (key: string) => {
    const flow = flows.get(key);
    if (!flow) return;
    flows.delete(key);
    clearTimeout(flow.timer);
    flow.socket.close();
  };
  listener.on('message', (message, client) => {
    const key = `${client.address}:${client.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const socket = dgram.createSocket('udp4');
      socket.on('message', (reply) => {
        listener.send(reply, client.port, client.address);
        refresh(key);
      });
      socket.on('error', () => endFlow(key));
      flow = { socket, timer: setTimeout(() => endFlow(key), idleMs) };
      flows.set(key, flow);
    }
    refresh(key);
    flow.socket.send(message, binding.containerPort, binding.containerIp);
  });
  const refresh = (key: string) => {
    const flow = flows.get(key);
    if (!flow) return;
    clearTimeout(flow.timer);
    flow.timer = setTimeout(() => endFlow(key), idleMs);
    flow.timer.unref();
  };
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind({ address: binding.hostIp, port: binding.hostPort, exclusive: true }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', () => undefined);
  return {
    ...binding,
    hostPort: listener.address().port,
    close: async () => {
      for (const key of [...flows.keys()]) endFlow(key);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function bindError(error: unknown, binding: PortBinding): Promise<BerthError> {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${binding.hostIp}:${binding.hostPort}/${binding.protocol}`;
  if (code === 'EADDRINUSE') {
    const holder = await findPortHolder(binding.hostPort, binding.protocol);
    const by = holder === undefined ? '' : ` by process ${holder.pid} (${holder.command})`;
    return new BerthError(
      'Conflict',
      `cannot publish ${where}: port ${binding.hostPort} is already in use${by}`,
      {
        cause: error,
        hint: 'stop what holds the port, or publish on another host port',
      },
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new BerthError(
      'InvalidArgument',
      `cannot publish ${where}: ${binding.hostIp} is not an address of this host`,
      {
        cause: error,
      },
    );
  }
  return new BerthError('Internal', `cannot publish ${where}: ${(error as Error).message}`, { cause: error });
}
