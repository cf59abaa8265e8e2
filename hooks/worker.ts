// Cloudflare Workers entrypoint (wrangler.toml): this repository's controllers.
import { createWorker } from 'metahooks/worker'
import { controllers } from './registry.ts'

export default createWorker(controllers)
