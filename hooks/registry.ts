import type { ControllerDefinition } from 'metahooks'
import cronworkflow from './cronworkflow/index.ts'
import guardrails from './guardrails/index.ts'
import helmrelease from './helmrelease/index.ts'
import jenkins from './jenkins/index.ts'
import mypod from './mypod/index.ts'
import mysqlcluster from './mysqlcluster/index.ts'
import natscluster from './natscluster/index.ts'
import podNameLabel from './pod-name-label/index.ts'
import prometheus from './prometheus/index.ts'
import propagate from './propagate/index.ts'
import servicePerPod from './service-per-pod/index.ts'
import timecheck from './timecheck/index.ts'
import todo from './todo/index.ts'
import todoapp from './todoapp/index.ts'
import user from './user/index.ts'
import usergroups from './usergroups/index.ts'
import webpinger from './webpinger/index.ts'
import webpingerarchive from './webpingerarchive/index.ts'
import workflow from './workflow/index.ts'

/** Every controller this server serves. */
export const controllers: readonly ControllerDefinition[] = [
  mypod,
  todo,
  timecheck,
  webpinger,
  webpingerarchive,
  user,
  usergroups,
  jenkins,
  workflow,
  cronworkflow,
  natscluster,
  mysqlcluster,
  todoapp,
  prometheus,
  helmrelease,
  servicePerPod,
  podNameLabel,
  propagate,
  guardrails,
]
