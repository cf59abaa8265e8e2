import { describe, expect, it } from 'vitest'
import webpingerarchive from '../../hooks/webpingerarchive/index.ts'
import webpinger from '../../hooks/webpinger/index.ts'
import { desiredService } from '../../hooks/webpinger/sync.ts'
import { checkConformance } from '../../hooks/core/testing/conformance.ts'
import { Simulation } from '../../hooks/core/testing/simulator.ts'
import type { KObject } from '../../hooks/core/contract/objects.ts'
import { one } from '../fixtures/examples.ts'

/** The Service the blog pinger creates, as it would be in the cluster. */
function pingerService(): KObject {
  const pinger = one('webpinger-blog.yaml')
  const service = desiredService(pinger as never, webpinger.parseSpec(pinger) as never)
  return { ...service, metadata: { ...service.metadata, namespace: 'default' } } as KObject
}

describe('webpingerarchive', () => {
  it('conforms (with the pinger running)', async () => {
    const problems = await checkConformance(webpingerarchive, {
      parent: one('webpingerarchive-blog.yaml'),
      objects: [pingerService()],
      invalidSpecs: [{}, { target: 'not a label' }],
    })
    expect(problems).toEqual([])
  })

  it('conforms from an empty cluster (it waits)', async () => {
    expect(
      await checkConformance(webpingerarchive, { parent: one('webpingerarchive-blog.yaml') }),
    ).toEqual([])
  })

  it('waits with a condition, then archives once the pinger Service appears, then completes', async () => {
    const sim = new Simulation(webpingerarchive, {
      parent: one('webpingerarchive-blog.yaml'),
      startTime: '2020-07-26T09:41:00Z',
    })
    await sim.run()
    expect(sim.children()).toEqual([])
    expect(sim.status).toMatchObject({ conditions: [{ reason: 'WaitingForPinger' }] })

    sim.cluster.create(pingerService())
    await sim.run()
    const job = sim.children()[0] as KObject & { status?: { succeeded?: number } }
    expect(job.metadata.name).toBe('wpa-blog-sixeyed-com-200726-0941')
    expect(job.status?.succeeded).toBe(1)
    expect(sim.status).toMatchObject({
      service: 'wp-blog-sixeyed-com',
      conditions: [{ status: 'True', reason: 'Archived' }],
    })
  })
})
