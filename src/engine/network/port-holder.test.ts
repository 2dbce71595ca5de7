import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { findPortHolder, socketInodesOnPort } from './port-holder.js';

const TCP_TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0000000000000000 100 0 0 10 0
`;

describe('port holder', () => {
  it('finds listening socket inodes by port in a /proc/net table', () => {
    expect(socketInodesOnPort(TCP_TABLE, 8080, 'tcp')).toEqual([4242]);
    expect(socketInodesOnPort(TCP_TABLE, 22, 'tcp')).toEqual([17]);
    expect(socketInodesOnPort(TCP_TABLE, 8080, 'udp')).toEqual([]);
  });

  it('names this process as the holder of a port it listens on', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const holder = await findPortHolder(port, 'tcp');
      expect(holder?.pid).toBe(process.pid);
    } finally {
      server.close();
    }
  });
});
