import * as z from 'zod'

/** TimeCheck (ch20.kiamol.net/v1): the notes' lab resource. */
export const TimeCheckSpec = z.object({
  environment: z.string().min(1).describe('Passed to the app as Application__Environment.'),
  interval: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .describe('Seconds between time checks (Timer__IntervalSeconds).'),
})
export type TimeCheckSpec = z.output<typeof TimeCheckSpec>
