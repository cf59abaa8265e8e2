import * as z from 'zod'
import { labelValue } from 'metahooks'

/** WebPingerArchive (ch20.kiamol.net/v1): fetch and truncate a pinger's log once, in a Job. */
export const WebPingerArchiveSpec = z.object({
  target: labelValue().min(1).describe('The target of the WebPinger whose log to archive.'),
})
export type WebPingerArchiveSpec = z.output<typeof WebPingerArchiveSpec>
