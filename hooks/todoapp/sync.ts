import type { Deployment } from 'kubernetes-types/apps/v1'
import type { ConfigMap, Secret, Service } from 'kubernetes-types/core/v1'
import {
  childName,
  condition,
  deploymentReady,
  findCondition,
  fromBase64,
  secretData,
  sha256Hex,
  type CompositeSyncResult,
  type HookContext,
  type KObject,
  type Parent,
} from 'metahooks'
import { names as mysqlNames } from '../mysqlcluster/sync.ts'
import { names as natsNames } from '../natscluster/sync.ts'
import type { TodoAppSpec } from './schema.ts'

type P = Parent<TodoAppSpec>

const SECRET = { apiVersion: 'v1', kind: 'Secret' }
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' }

/** The children's names: `<name>-<part>`, shortened to fit each kind when the parent's name is long. */
const names = (p: P) => {
  const n = p.metadata.name
  return {
    dbSecret: childName(SECRET, n, 'db-secret'),
    db: childName({ apiVersion: 'mysql.metahooks.dev/v1', kind: 'MysqlCluster' }, n, 'db'),
    queue: childName({ apiVersion: 'nats.metahooks.dev/v1', kind: 'NatsCluster' }, n, 'queue'),
    config: childName({ apiVersion: 'v1', kind: 'ConfigMap' }, n, 'config'),
    secret: childName(SECRET, n, 'secret'),
    web: childName(DEPLOYMENT, n, 'web'),
    webService: childName({ apiVersion: 'v1', kind: 'Service' }, n, 'web'),
    saveHandler: childName(DEPLOYMENT, n, 'save-handler'),
  }
}
const appLabels = (component: string) => ({ app: 'todo-list', component })

/**
 * The root password: the one in the existing Secret if there is one (so it is never rewritten,
 * and an operator may rotate it there), else derived once from the TodoApp's uid — a random UUID only readers of this
 * object can see. Derived rather than random so the same request always gives the same answer.
 */
async function rootPassword(parent: P, existing: KObject | undefined): Promise<string> {
  const observed = (existing as { data?: Record<string, string> } | undefined)?.data?.ROOT_PASSWORD
  const decoded = observed === undefined ? undefined : fromBase64(observed)
  if (decoded) return decoded
  return (await sha256Hex(`todoapp:${parent.metadata.uid ?? parent.metadata.name}`)).slice(0, 24)
}

function deployment(
  name: string,
  component: string,
  image: string,
  replicas: number,
  n: ReturnType<typeof names>,
  secretHash: string,
): Deployment & KObject {
  const labels = appLabels(component)
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { kiamol: 'ch20', ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        // A changed connection string rolls the Pods (they read it at start-up).
        metadata: { labels, annotations: { 'metahooks.dev/config-hash': secretHash } },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'web',
              image,
              volumeMounts: [
                { name: 'config', mountPath: '/app/config', readOnly: true },
                { name: 'secret', mountPath: '/app/secrets', readOnly: true },
              ],
            },
          ],
          volumes: [
            {
              name: 'config',
              configMap: { name: n.config, items: [{ key: 'config.json', path: 'config.json' }] },
            },
            {
              name: 'secret',
              secret: {
                secretName: n.secret,
                defaultMode: 0o400,
                items: [{ key: 'secrets.json', path: 'secrets.json' }],
              },
            },
          ],
        },
      },
    },
  }
}

/** Ready from a child of our own kinds: its status' Ready condition. */
function partReady(object: KObject | undefined): boolean {
  return findCondition(object, 'Ready')?.status === 'True'
}

export async function sync({
  parent,
  spec,
  children,
}: HookContext<TodoAppSpec>): Promise<CompositeSyncResult> {
  const n = names(parent)
  const password = await rootPassword(parent, children.get('Secret', n.dbSecret))
  const connection = (host: string) => `server=${host};database=todo;user=root;password=${password}`
  // The database's and the queue's Services, as MysqlCluster and NatsCluster name them.
  const database = mysqlNames({ metadata: { name: n.db } })
  const secretsJson = JSON.stringify(
    {
      ConnectionStrings: {
        ToDoDb: connection(database.master),
        'ToDoDb-ReadOnly': connection(database.replicas),
      },
    },
    null,
    2,
  )
  const secretHash = await sha256Hex(secretsJson, 16)

  const dbSecret: Secret & KObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: n.dbSecret, labels: { kiamol: 'ch20' } },
    data: secretData({ ROOT_PASSWORD: password }),
  }
  const db: KObject = {
    apiVersion: 'mysql.metahooks.dev/v1',
    kind: 'MysqlCluster',
    metadata: { name: n.db, labels: { kiamol: 'ch20' } },
    spec: {
      replicas: spec.db.replicas,
      mysqlVersion: spec.db.mysqlVersion,
      secretName: n.dbSecret,
      storage: spec.db.storage,
      dataPolicy: spec.db.dataPolicy,
    },
  }
  const queue: KObject = {
    apiVersion: 'nats.metahooks.dev/v1',
    kind: 'NatsCluster',
    metadata: { name: n.queue, labels: { kiamol: 'ch20' } },
    spec: { size: spec.queue.size, version: spec.queue.version },
  }
  const config: ConfigMap & KObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: n.config, labels: { kiamol: 'ch20' } },
    data: {
      'config.json': JSON.stringify(
        {
          Database: { Provider: 'MySql' },
          MessageQueue: { Url: `nats://${natsNames({ metadata: { name: n.queue } }).client}:4222` },
        },
        null,
        2,
      ),
    },
  }
  const secret: Secret & KObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: n.secret, labels: { kiamol: 'ch20' } },
    data: secretData({ 'secrets.json': secretsJson }),
  }
  const web = deployment(n.web, 'web', 'kiamol/ch20-todo-list', spec.web.replicas, n, secretHash)
  const saveHandler = deployment(
    n.saveHandler,
    'save-handler',
    'kiamol/ch20-todo-save-handler',
    spec.saveHandler.replicas,
    n,
    secretHash,
  )
  const service: Service & KObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: n.webService, labels: { kiamol: 'ch20', ...appLabels('web') } },
    spec: {
      type: spec.serviceType,
      selector: appLabels('web'),
      ports: [{ name: 'http', port: spec.servicePort, targetPort: 80 }],
    },
  }

  const parts = {
    database: partReady(children.get('MysqlCluster', n.db)),
    queue: partReady(children.get('NatsCluster', n.queue)),
    web: deploymentReady(children.get('Deployment', n.web), n.web).conditions[0]!.status === 'True',
    saveHandler:
      deploymentReady(children.get('Deployment', n.saveHandler), n.saveHandler).conditions[0]!
        .status === 'True',
  }
  const waiting = Object.entries(parts)
    .filter(([, ok]) => !ok)
    .map(([part]) => part)
  return {
    children: [dbSecret, db, queue, config, secret, web, saveHandler, service],
    status: {
      parts,
      conditions: [
        waiting.length === 0
          ? condition(
              'Ready',
              true,
              'AllPartsReady',
              'database, queue, web and save handler are ready',
            )
          : condition('Ready', false, 'PartsNotReady', `waiting for ${waiting.join(', ')}`),
      ],
    },
  }
}
