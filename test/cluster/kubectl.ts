import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../fixtures/server.ts'
import { type ApiServer, kubeconfigYaml } from './cluster.ts'

/** A kubeconfig file for one of the tier's API servers, as a user's would be (CA file, token). */
export function kubeconfigFile(server: ApiServer): string {
  const dir = mkdtempSync(join(tmpdir(), 'metahooks-kubeconfig-'))
  writeFileSync(join(dir, 'ca.crt'), server.ca)
  writeFileSync(join(dir, 'kubeconfig'), kubeconfigYaml(server, join(dir, 'ca.crt')))
  return join(dir, 'kubeconfig')
}

/** Writes an object's status through its status subresource, as its controller would (the tier's kubectl). */
export function patchStatus(
  bin: string,
  kubeconfig: string,
  namespace: string,
  resource: string,
  name: string,
  status: unknown,
): Promise<void> {
  const args = [
    '--kubeconfig',
    kubeconfig,
    '-n',
    namespace,
    'patch',
    resource,
    name,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]
  return new Promise((resolve, reject) =>
    execFile(join(bin, 'kubectl'), args, { cwd: ROOT }, (error, _out, stderr) =>
      error ? reject(new Error(`kubectl patch ${resource} ${name}: ${stderr}`)) : resolve(),
    ),
  )
}
