// The floor: a bare node:http server that reads the body, parses it, and answers a fixed
// response of the same size as the real one. Nothing less can answer a hook call.
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'

const response = readFileSync(process.env.FIXED_RESPONSE)
createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'))
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': response.length })
    res.end(response)
  })
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'))
