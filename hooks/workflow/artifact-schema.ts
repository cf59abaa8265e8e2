import * as z from 'zod'
import { refusingObject } from 'metahooks'

/**
 * Argo's artifacts: where bytes come from (`s3`, `http`, `raw`, `from` an earlier step) and where a
 * step's files go (its own `s3.key`, else the workflow's artifact repository). The executor moves
 * the bytes; the hook only ever handles locations.
 */

const ArtifactName = z
  .string()
  .regex(/^[a-zA-Z0-9][-a-zA-Z0-9_]*$/, { message: 'must be letters, digits, "-" or "_"' })
  .max(63)
const SecretKeySelector = z.object({ name: z.string().min(1), key: z.string().min(1) })
export type SecretKeySelector = z.output<typeof SecretKeySelector>

const S3Fields = {
  endpoint: z
    .string()
    .regex(/^[^/\s]+$/, { message: 'is host[:port], without a scheme (insecure: true for http)' })
    .optional(),
  bucket: z.string().min(1).optional(),
  region: z.string().optional(),
  insecure: z.boolean().optional(),
  accessKeySecret: SecretKeySelector.optional(),
  secretKeySecret: SecretKeySelector.optional(),
  sessionTokenSecret: SecretKeySelector.optional(),
  useSDKCreds: z
    .boolean()
    .optional()
    .describe("credentials from the Pod's environment (IRSA, instance profile)"),
  createBucketIfNotPresent: z.object({ objectLocking: z.boolean().optional() }).optional(),
  key: z.string().min(1).optional(),
}
const S3_REFUSED = {
  roleARN: 's3 roleARN (give the Pod a service account with the role and useSDKCreds: true)',
  encryptionOptions: 's3 encryptionOptions',
  caSecret: 's3 caSecret',
}
export const S3 = refusingObject('an s3 location', S3Fields, S3_REFUSED)
export type S3 = z.output<typeof S3>

const Http = refusingObject(
  'an http location',
  {
    url: z.string().regex(/^https?:\/\//, { message: 'must be an http:// or https:// URL' }),
    headers: z.array(z.object({ name: z.string().min(1), value: z.string() })).optional(),
  },
  { auth: 'http artifact auth (put a token in a header from a parameter, or use s3)' },
)
const Raw = refusingObject('a raw artifact', { data: z.string() })
const Git = refusingObject(
  'a git location',
  {
    repo: z.string().min(1),
    revision: z.string().optional(),
    depth: z.number().int().min(1).optional(),
    branch: z.string().optional(),
    singleBranch: z.boolean().optional(),
    disableSubmodules: z.boolean().optional(),
    fetch: z.array(z.string()).optional(),
    usernameSecret: SecretKeySelector.optional(),
    passwordSecret: SecretKeySelector.optional(),
    insecureSkipTLS: z.boolean().optional(),
  },
  {
    sshPrivateKeySecret:
      'git sshPrivateKeySecret (use an https repo with usernameSecret/passwordSecret)',
    insecureIgnoreHostKey: 'git insecureIgnoreHostKey (ssh)',
  },
)
export type Git = z.output<typeof Git>
const Archive = refusingObject(
  'an archive',
  {
    none: z.object({}).optional(),
    tar: z.object({ compressionLevel: z.number().int().min(0).max(9).optional() }).optional(),
  },
  { zip: 'zip archives (use tar or none)' },
)

const LOCATIONS_LATER = {
  artifactory: 'artifactory artifacts',
  hdfs: 'hdfs artifacts',
  oss: 'oss artifacts',
  gcs: "gcs artifacts (use s3 with GCS's interoperability endpoint storage.googleapis.com and HMAC keys)",
  azure: 'azure artifacts',
}

export const Artifact = refusingObject(
  'an artifact',
  {
    name: ArtifactName,
    path: z.string().startsWith('/', { message: 'must be an absolute path' }).optional(),
    from: z.string().optional(),
    optional: z.boolean().optional(),
    mode: z.number().int().min(0).max(0o7777).optional(),
    archive: Archive.optional(),
    globalName: ArtifactName.optional(),
    description: z.string().optional(),
    s3: S3.optional(),
    http: Http.optional(),
    raw: Raw.optional(),
    git: Git.optional(),
  },
  {
    ...LOCATIONS_LATER,
    fromExpression: 'fromExpression (use from)',
    subPath: 'artifact subPath',
    recurseMode: 'artifact recurseMode',
    artifactGC: 'artifactGC',
    deleted: 'artifact deleted',
    archiveLogs: 'archiveLogs',
  },
)
export type Artifact = z.output<typeof Artifact>

export const ArtifactRepositoryRef = refusingObject('an artifactRepositoryRef', {
  configMap: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
})

/**
 * A repository as Argo's `artifact-repositories` ConfigMap holds one (a YAML value per key), and
 * `volume`, ours: a PersistentVolumeClaim for clusters without object storage.
 */
export const ArtifactRepository = refusingObject(
  'an artifact repository',
  {
    s3: refusingObject(
      'an s3 repository',
      { ...S3Fields, keyFormat: z.string().min(1).optional(), keyPrefix: z.string().optional() },
      S3_REFUSED,
    ).optional(),
    volume: refusingObject('a volume repository', {
      claimName: z.string().min(1),
      keyFormat: z.string().min(1).optional(),
    }).optional(),
  },
  {
    ...LOCATIONS_LATER,
    git: 'a git repository as an artifact repository',
    archiveLogs: 'archiveLogs',
  },
)
export type ArtifactRepository = z.output<typeof ArtifactRepository>

/** Where an artifact's bytes are: what `status.nodes[].outputs.artifacts` and inputs record. */
export interface Location {
  s3?: S3 & { key: string }
  http?: { url: string; headers?: { name: string; value: string }[] }
  raw?: { data: string }
  git?: Git
  /** A key in a PersistentVolumeClaim (a volume repository). */
  volume?: { claimName: string; key: string }
}
