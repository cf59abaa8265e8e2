import * as z from 'zod'
import { labelValue } from 'metahooks'

/** WebPinger (ch20.kiamol.net/v1): ping a site on an interval, keep the log, archive it on demand. */
export const WebPingerSpec = z.object({
  target: labelValue()
    .min(1)
    .describe("Host to ping, e.g. blog.sixeyed.com; also the pods' and Service's target label."),
  method: z
    .string()
    .regex(/^[A-Z]+$/, { message: 'must be an HTTP method such as HEAD or GET' })
    .default('HEAD')
    .describe('HTTP method.'),
  interval: z
    .string()
    .regex(/^[1-9][0-9]{0,6}[sm]$/, {
      message: 'must be a whole number of seconds or minutes, like 7s or 2m',
    })
    .describe('Time between pings: 7s, 2m.'),
})
export type WebPingerSpec = z.output<typeof WebPingerSpec>

/** `7s` → 7000, `2m` → 120000: the app's INTERVAL is in milliseconds. */
export function intervalMillis(interval: string): number {
  const amount = Number(interval.slice(0, -1))
  return amount * (interval.endsWith('m') ? 60_000 : 1000)
}
