import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Closes, at shutdown, every connection of the Node server that carries no request, so one stray
 * connection cannot hold `server.close()` until the shutdown deadline: idle keep-alive connections,
 * connections that never sent a byte (on HTTPS, not even a TLS handshake), and connections with part
 * of a request's headers. A request whose headers have arrived is in flight and finishes
 * undisturbed (a stalled TLS handshake ends at the server's handshakeTimeout).
 *
 * Only connections are tracked, not requests (per-request bookkeeping showed in profiles of small
 * requests): Node keeps the response in progress on its socket as `_httpMessage`, set from the
 * request's headers to the end of its response — not public API, but what http-terminator and
 * others have relied on for years; without it a connection is only ever closed when idle.
 */
export function connectionCloser(
  server: Server,
  { secure }: { secure: boolean },
): { closeUnused(): void } {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  server.on('connection', track)
  server.on('secureConnection', track)
  return {
    closeUnused() {
      server.closeIdleConnections()
      for (const socket of sockets) {
        // A raw socket under a TLS one has read the handshake; the TLS socket decides for both.
        if (secure && !('encrypted' in socket) && socket.bytesRead > 0) continue
        if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage) socket.destroy()
      }
    },
  }
}
