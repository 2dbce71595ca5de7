// Shared pieces of the network integration tests: running commands in a namespace, a fake upstream resolver on
// loopback (so no DNS query leaves the host), and leak checks for a bridge prefix.

import dgram from 'node:dgram';
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { decodeQuery, encodeResponse } from '../../../src/engine/network/dns-packet.js';

export const BUSYBOX = '/bin/busybox';

/** Runs busybox inside a named namespace; resolves with the exit code and output, never throws. */
export async function inNetns(
  name: string,
  args: readonly string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('ip', ['netns', 'exec', name, BUSYBOX, ...args], {
    reject: false,
    timeout: 15_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A resolver on 127.0.0.1 that knows one name: `mirror.example` → 127.0.0.77. */
export async function fakeUpstream(): Promise<{ port: number; close(): void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, remote) => {
    const query = decodeQuery(message);
    if (!query) return;
    const known = query.name === 'mirror.example';
    const reply = encodeResponse(query, known ? 0 : 3, known ? [{ type: 'A', address: '127.0.0.77' }] : []);
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

/** Everything on the host that still carries the prefix: links, namespaces, iptables lines. */
export async function leftovers(
  prefix: string,
): Promise<{ links: string[]; netns: string[]; rules: string[] }> {
  const links = (await execa('ip', ['-o', 'link'])).stdout
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  const netns = (await execa('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  const rules = (await execa('iptables-save')).stdout.split('\n').filter((l) => l.includes(prefix));
  return { links, netns, rules };
}

/** Remembers the kernel's ip_forward setting so a test file can put it back. */
export async function saveIpForward(): Promise<() => Promise<void>> {
  const path = '/proc/sys/net/ipv4/ip_forward';
  const before = (await readFile(path, 'utf8')).trim();
  return async () => {
    await writeFile(path, `${before}\n`);
  };
}
