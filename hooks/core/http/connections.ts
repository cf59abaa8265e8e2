import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * The Node server's connections, so shutdown can close every one that carries no request: idle
 * keep-alive connections, connections that never sent a byte, and ones with half their headers.
 * `server.close()` alone waits for all of them, and `closeIdleConnections()` only knows the first
 * kind, so one stray TCP connection used to hold shutdown until its deadline.
 */
export interface Connections {
  /** Destroys every connection with no request in progress; in-flight requests finish undisturbed. */
  closeUnused(): void
  /** How many requests are in progress. */
  readonly active: number
}

export function trackConnections(server: Server, { secure }: { secure: boolean }): Connections {
  // Raw TCP sockets; on HTTPS, the TLS sockets the requests arrive on as well.
  const sockets = new Set<Socket>()
  const busy = new Map<Socket, number>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => {
      sockets.delete(socket)
      busy.delete(socket)
    })
  }
  server.on('connection', track)
  server.on('secureConnection', track)
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket
    busy.set(socket, (busy.get(socket) ?? 0) + 1)
    res.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1
      if (left > 0) busy.set(socket, left)
      else busy.delete(socket)
    })
  })
  return {
    closeUnused() {
      for (const socket of sockets) {
        if (busy.has(socket)) continue
        // On HTTPS a raw socket is busy through the TLS socket over it, which this cannot see:
        // close only raw sockets that never sent a byte (a stalled handshake ends at handshakeTimeout).
        if (secure && !('encrypted' in socket) && socket.bytesRead > 0) continue
        socket.destroy()
      }
    },
    get active() {
      let n = 0
      for (const count of busy.values()) n += count
      return n
    },
  }
}
