import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { request } from 'node:https'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../fixtures/server.ts'

/**
 * A real control plane on loopback for the cluster tier, the way Metacontroller's integration
 * framework and kubebuilder's envtest do it: etcd, kube-apiserver and kube-controller-manager
 * (namespace, garbage collector and service account controllers; no kubelet, so Pods never run).
 * Two API servers share the one etcd under different prefixes: `open` authorizes everything (an
 * admin token in system:masters), `rbac` runs RBAC, for checking what a ServiceAccount may do.
 */

/** What a test needs to talk to one API server (passed from the global setup to the tests). */
export interface ApiServer {
  url: string
  /** The serving certificate, to trust as CA. */
  ca: string
  /** Bearer token of a system:masters user. */
  adminToken: string
}

export interface ClusterInfo {
  open: ApiServer
  rbac: ApiServer
  /** The directory of the pinned binaries (kubectl among them). */
  bin: string
}

/** Builds the binaries when missing (test/cluster/build.sh) and returns their directory. */
export function binaries(): string {
  const result = spawnSync('bash', [join(ROOT, 'test/cluster/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (result.status !== 0) throw new Error(`test/cluster/build.sh failed (exit ${result.status})`)
  return result.stdout.trim().split('\n').at(-1)!
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** GET `path` on an API server as the admin: status (0 when not reachable yet) and body. */
function get(server: ApiServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      `${server.url}${path}`,
      { ca: server.ca, headers: { Authorization: `Bearer ${server.adminToken}` }, timeout: 2000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', () => resolve({ status: 0, body: '' }))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

/** The status of GET `path` (0 when not reachable yet). */
export async function probe(server: ApiServer, path: string): Promise<number> {
  return (await get(server, path)).status
}

/** GET `path` as JSON; undefined unless 200. */
async function getJson(server: ApiServer, path: string): Promise<any> {
  const { status, body } = await get(server, path)
  return status === 200 ? JSON.parse(body) : undefined
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  processes: readonly Proc[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const dead = processes.find((p) => p.child.exitCode !== null)
    if (dead)
      throw new Error(
        `${dead.name} exited with ${dead.child.exitCode} while waiting for ${what}; see ${dead.log}`,
      )
    if (await check()) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
}

interface Proc {
  name: string
  child: ChildProcess
  log: string
}

export interface RunningCluster extends ClusterInfo {
  stop(): Promise<void>
}

/** Starts etcd, both API servers and the controller manager; `stop()` ends them and removes their data. */
export async function startCluster(): Promise<RunningCluster> {
  const bin = binaries()
  const dir = mkdtempSync(join(tmpdir(), 'metahooks-cluster-'))
  const processes: Proc[] = []
  const start = (name: string, args: string[]) => {
    const log = join(dir, `${name}.log`)
    const child = spawn(join(bin, name.replace(/-(open|rbac)$/, '')), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const out = createWriteStream(log)
    child.stdout!.pipe(out)
    child.stderr!.pipe(out)
    processes.push({ name, child, log })
  }
  const stop = async () => {
    for (const p of [...processes].reverse()) if (p.child.exitCode === null) p.child.kill('SIGTERM')
    await Promise.all(
      processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve()
            const force = setTimeout(() => p.child.kill('SIGKILL'), 5000)
            p.child.once('exit', () => {
              clearTimeout(force)
              resolve()
            })
          }),
      ),
    )
    if (!process.env.METAHOOKS_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', () =>
    processes.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL')),
  )

  try {
    const [etcdPort, peerPort] = [await freePort(), await freePort()]
    start('etcd', [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ])

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }))
    const adminToken = randomBytes(24).toString('hex')
    writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`)

    const servers: Record<'open' | 'rbac', ApiServer> = {} as never
    for (const mode of ['open', 'rbac'] as const) {
      const port = await freePort()
      const certDir = join(dir, `certs-${mode}`)
      mkdirSync(certDir)
      start(`kube-apiserver-${mode}`, [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        `--etcd-prefix=/registry-${mode}`,
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--cert-dir=${certDir}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        `--authorization-mode=${mode === 'open' ? 'AlwaysAllow' : 'RBAC'}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        // No kubelet and no Pods run; the ServiceAccount admission plugin would only make a fresh
        // namespace's first Pod wait for its default ServiceAccount.
        '--disable-admission-plugins=ServiceAccount',
        '--enable-priority-and-fairness=false',
      ])
      servers[mode] = { url: `https://127.0.0.1:${port}`, ca: '', adminToken }
      const crt = join(certDir, 'apiserver.crt')
      await until(
        `kube-apiserver (${mode}) to write its certificate`,
        async () => existsSync(crt) && readFileSync(crt, 'utf8').includes('END CERTIFICATE'),
        60_000,
        processes,
      )
      servers[mode].ca = readFileSync(crt, 'utf8')
    }
    for (const mode of ['open', 'rbac'] as const) {
      await until(
        `kube-apiserver (${mode}) to be ready`,
        async () => (await probe(servers[mode], '/readyz')) === 200,
        90_000,
        processes,
      )
    }

    // One controller manager per API server. The RBAC one runs the ClusterRole aggregation
    // controller only: without it admin, edit and view have no rules, and binding them would
    // escalate nothing, so the RBAC checks would prove nothing.
    const controllerSets = {
      open: 'namespace-controller,garbage-collector-controller,serviceaccount-controller,serviceaccount-token-controller',
      rbac: 'clusterrole-aggregation-controller',
    }
    for (const mode of ['open', 'rbac'] as const) {
      const kubeconfig = join(dir, `kcm-${mode}.kubeconfig`)
      writeFileSync(
        kubeconfig,
        kubeconfigYaml(servers[mode], join(dir, `certs-${mode}/apiserver.crt`)),
      )
      start(`kube-controller-manager-${mode}`, [
        `--kubeconfig=${kubeconfig}`,
        `--controllers=${controllerSets[mode]}`,
        `--service-account-private-key-file=${join(dir, 'sa.key')}`,
        '--leader-elect=false',
        '--secure-port=0',
        '--use-service-account-credentials=false',
      ])
    }
    // The controller managers are working once the default ServiceAccount exists and view has rules
    await until(
      'kube-controller-manager to create the default ServiceAccount',
      async () =>
        (await probe(servers.open, '/api/v1/namespaces/default/serviceaccounts/default')) === 200,
      90_000,
      processes,
    )
    // (The bootstrap roles exist only where RBAC is on.)
    await until(
      'the ClusterRole view to be aggregated',
      async () =>
        (await getJson(servers.rbac, '/apis/rbac.authorization.k8s.io/v1/clusterroles/view'))?.rules
          ?.length > 0,
      90_000,
      processes,
    )
    return { open: servers.open, rbac: servers.rbac, bin, stop }
  } catch (error) {
    const logs = processes
      .map(
        (p) =>
          `--- ${p.name}\n${existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').slice(-15).join('\n') : ''}`,
      )
      .join('\n')
    await stop()
    throw new Error(`${(error as Error).message}\n${logs}`)
  }
}

/** A kubeconfig for one API server and token (for kubectl and the controller manager). */
export function kubeconfigYaml(
  server: ApiServer,
  caFile: string,
  token = server.adminToken,
): string {
  return `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server.url}", certificate-authority: "${caFile}" } }]
users: [{ name: u, user: { token: "${token}" } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`
}
