// A hook server written the way Metacontroller's Node example is: plain http, JSON in, the
// controller's logic, JSON out — no validation, no response check, no ETag, no logging.
import { createServer } from 'node:http'
import { desiredPod, podStatus } from '../../hooks/mypod/sync.ts'

createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    const parent = request.parent
    const spec = { image: 'nginx', ...parent.spec }
    const pod = desiredPod(parent, spec)
    const observed = Object.values(request.children['Pod.v1'] ?? {}).find(
      (p: any) => p.metadata.name === parent.metadata.name,
    ) as any
    const body = JSON.stringify({ status: podStatus(observed, pod), children: [pod] })
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(body)
  })
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'))
