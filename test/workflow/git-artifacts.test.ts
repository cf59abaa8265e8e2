import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runArtifactPod } from './artifact-pod-runner.ts'
import { BUSYBOX, HAVE_BUSYBOX } from './local-kubelet.ts'

// Git input artifacts for real: the executor's clone with this machine's git (the Pod's comes
// from its image) from a repository made here, over git's own transport for local paths.

const GIT = ['/usr/bin/git', '/bin/git'].find((p) => existsSync(p))
const root = mkdtempSync(join(tmpdir(), 'metahooks-git-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function makeRepo(): { url: string; first: string; second: string } {
  const work = join(root, 'work')
  const bare = join(root, 'repo.git')
  const git = (cwd: string, ...args: string[]) =>
    execFileSync(GIT!, args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: root,
      },
    }).trim()
  mkdirSync(work)
  git(root, 'init', '--bare', '-b', 'main', bare)
  git(work, 'init', '-b', 'main')
  writeFileSync(join(work, 'VERSION'), '1\n')
  git(work, 'add', 'VERSION')
  git(work, 'commit', '-m', 'one')
  const first = git(work, 'rev-parse', 'HEAD')
  git(work, 'tag', 'v1')
  writeFileSync(join(work, 'VERSION'), '2\n')
  git(work, 'commit', '-am', 'two')
  const second = git(work, 'rev-parse', 'HEAD')
  git(work, 'push', '--tags', bare, 'main')
  return { url: `file://${bare}`, first, second }
}

describe.skipIf(!HAVE_BUSYBOX || !GIT)('git input artifacts: the executor clones for real', () => {
  const repo = GIT ? makeRepo() : { url: '', first: '', second: '' }
  let count = 0
  const fresh = () => {
    const dir = join(root, `pod-${++count}`)
    mkdirSync(dir)
    return dir
  }
  const env = { PATH: `${GIT!.replace(/\/git$/, '')}`, HOME: root }

  const cases: {
    name: string
    git: Record<string, unknown>
    version: string
    head?: () => string
  }[] = [
    { name: 'the default branch', git: {}, version: '2\n', head: () => repo.second },
    { name: 'a revision (a tag)', git: { revision: 'v1' }, version: '1\n', head: () => repo.first },
    {
      name: 'a shallow clone of an older commit',
      git: { revision: 'FIRST', depth: 1 },
      version: '1\n',
      head: () => repo.first,
    },
    { name: 'a branch, single', git: { branch: 'main', singleBranch: true }, version: '2\n' },
  ]
  it.each(cases)('$name', async (c) => {
    const dir = fresh()
    const src = join(dir, 'src')
    const git = {
      repo: repo.url,
      ...c.git,
      ...(c.git.revision === 'FIRST' && { revision: repo.first }),
    }
    const run = await runArtifactPod({
      dir,
      argv: [BUSYBOX, 'sh', '-c', `cat ${src}/VERSION`],
      inputs: [{ name: 'src', path: src, location: { git } as never }],
      env,
    })
    expect(run.initFailure).toBeUndefined()
    expect(readFileSync(join(src, 'VERSION'), 'utf8')).toBe(c.version)
    if (c.head)
      expect(
        execFileSync(GIT!, ['-C', src, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
      ).toBe(c.head())
  })

  it("a repository that is not there fails the Pod naming the artifact and git's reason", async () => {
    const run = await runArtifactPod({
      dir: fresh(),
      argv: [BUSYBOX, 'true'],
      inputs: [
        {
          name: 'src',
          path: join(root, 'never'),
          location: { git: { repo: `file://${root}/no-such.git` } } as never,
        },
      ],
      env,
    })
    expect(run.initFailure).toMatch(
      /^input artifact src could not be fetched: .*(does not exist|not appear to be a git repository)/,
    )
  })
})
