// imapflow's `transport` option over our TLS 1.2 client: implicit TLS (connect with secure) and
// STARTTLS (connect in clear, then upgrade). Node's tls is never used.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ImapTransport, ImapTransportSocket } from 'imapflow';
import { connectTls, startTls, type TlsClientOptions } from '../tls/index.js';

export type TlsChannelOptions = Omit<TlsClientOptions, 'serverName'> & {
  /** name checked against the server certificate; default: the host */
  serverName?: string;
};

export function tlsImapTransport(options: TlsChannelOptions): ImapTransport {
  return {
    connect(target, onConnect) {
      const serverName = options.serverName ?? target.host;
      if (target.secure) {
        return connectTls({ ...options, serverName, host: target.host, port: target.port }, onConnect) as unknown as ImapTransportSocket;
      }
      // Cleartext first, for STARTTLS only: imapflow refuses to authenticate before upgrade().
      const plain = net.connect({ host: target.host, port: target.port }, onConnect);
      return plain as ImapTransportSocket;
    },
    upgrade(socket, target, onSecure) {
      return startTls(socket as Duplex, { ...options, serverName: options.serverName ?? target.host }, onSecure) as unknown as ImapTransportSocket;
    },
  };
}
