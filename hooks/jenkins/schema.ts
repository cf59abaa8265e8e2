import * as z from 'zod'
import {
  dnsSubdomain,
  image,
  labelValue,
  ObservedWorkload,
  positiveQuantity,
  quantity,
} from 'metahooks'

/** Jenkins (ci.metahooks.dev/v1): a Jenkins for one project, removed when the project ends. */
export const JenkinsSpec = z.object({
  project: labelValue()
    .min(1)
    .describe('The project this Jenkins serves (a label on its objects; shown in kubectl get).'),
  image: image().default('jenkins/jenkins:lts-jdk17').describe('Jenkins controller image.'),
  storage: positiveQuantity()
    .default('8Gi')
    .describe('Size of the JENKINS_HOME volume. Fixed once created.'),
  storageClassName: dnsSubdomain().optional().describe('StorageClass of the JENKINS_HOME volume.'),
  dataPolicy: z
    .enum(['Retain', 'Delete'])
    .default('Retain')
    .describe('What happens to JENKINS_HOME when this Jenkins is deleted.'),
  serviceType: z
    .enum(['ClusterIP', 'LoadBalancer', 'NodePort'])
    .default('ClusterIP')
    .describe('Type of the web (8080) Service.'),
})
export type JenkinsSpec = z.output<typeof JenkinsSpec>

/** Readiness (as for any workload) plus the volume size it was created with. */
export const ObservedStatefulSet = ObservedWorkload.extend({
  spec: z
    .looseObject({
      replicas: z.number().optional(),
      volumeClaimTemplates: z
        .array(
          z.looseObject({
            spec: z
              .looseObject({
                resources: z
                  .looseObject({
                    requests: z.looseObject({ storage: z.string().optional() }).optional(),
                  })
                  .optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
})
