// The framework floor: a bare hono app on @hono/node-server that reads and parses the body and
// answers a fixed response of the same size — what the toolkit costs before any of its own work.
import { readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const response = readFileSync(process.env.FIXED_RESPONSE!, 'utf8')
const app = new Hono()
app.post('/mypod/sync', async (c) => {
  JSON.parse(await c.req.text())
  return c.body(response, 200, { 'Content-Type': 'application/json' })
})
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) }, () =>
  console.log('ready'),
)
