import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMetahooks, runProcess } from '../fixtures/process.ts'
import {
  ROOT,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../fixtures/server.ts'

const run = (command: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  runProcess(command, args, { cwd, env })

const dir = mkdtempSync(join(tmpdir(), 'metahooks-scaffold-'))
const project = join(dir, 'my-controllers')
/** The installed package's bin, as `npx metahooks` runs it in the project. */
const metahooks = (args: string[]) =>
  runMetahooks(args, {
    cwd: project,
    bin: join(project, 'node_modules/metahooks/bin/metahooks.js'),
  })
let tarball = ''

beforeAll(async () => {
  const packed = await run(process.execPath, [join(ROOT, 'scripts/package.mjs')], ROOT)
  expect(packed.stderr).toBe('')
  tarball = packed.stdout.trim().split('\n').at(-1)!
  // `npx metahooks init` before there is a project; the repository's bin is the same code.
  const init = await runMetahooks(['init', 'my-controllers', '--metahooks', `file:${tarball}`], {
    cwd: dir,
  })
  expect(init.code, init.stderr).toBe(0)
  // From npm's cache when it holds the packages (CI's npm ci filled it), the registry otherwise.
  const install = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund'],
    project,
  )
  expect(install.code, install.stderr).toBe(0)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the packed package', () => {
  it('holds compiled JavaScript and declarations for every export, its licence and README, and no TypeScript sources', async () => {
    const listing = (await run('tar', ['tzf', tarball], ROOT)).stdout.split('\n')
    const pkg = JSON.parse(
      readFileSync(join(project, 'node_modules/metahooks/package.json'), 'utf8'),
    ) as { exports: Record<string, { types: string; default: string } | string> }
    for (const target of Object.values(pkg.exports).flatMap((t) =>
      typeof t === 'string' ? [t] : [t.types, t.default],
    ))
      expect(listing).toContain(`package/${target.slice(2)}`)
    expect(listing.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
    // The licence package.json names travels with it, and a README about the toolkit, not the catalogue.
    expect(listing).toContain('package/LICENSE')
    const readme = readFileSync(join(project, 'node_modules/metahooks/README.md'), 'utf8')
    expect(readme.match(/^## .*/gm)).toEqual([
      '## Write your own controller',
      '## Writing a controller',
      '## Testing controllers without a cluster',
      '## Configuration',
    ])
  })

  it('its declarations carry real types: a project using one wrongly does not type-check', async () => {
    writeFileSync(
      join(project, 'hooks/wrong.ts'),
      `import { condition } from 'metahooks'\nexport const n: number = condition('Ready', true, 'Up', 'up')\n`,
    )
    const tsc = await run(
      process.execPath,
      [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      project,
    )
    rmSync(join(project, 'hooks/wrong.ts'))
    expect(tsc.stdout).toMatch(
      /hooks\/wrong\.ts.*TS2322: Type 'Condition' is not assignable to type 'number'/,
    )
  })
})

describe('a project made with metahooks init', () => {
  it('has the layout of this repository, with the two commands in its README', () => {
    for (const file of [
      'package.json',
      'tsconfig.json',
      'wrangler.toml',
      'Dockerfile',
      '.ci/run',
      'hooks/registry.ts',
      'hooks/node.ts',
      'hooks/worker.ts',
    ])
      expect(existsSync(join(project, file)), file).toBe(true)
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toMatch(/npm start .*\nnpm test /)
    // The same style checks as this repository: the formatter first, then the types, then the tests.
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts.test).toBe('biome format && tsc -p . && vitest run')
  })

  it.each([
    { name: 'a directory that is not empty', args: ['init', '.'], message: /is not empty/ },
    {
      name: 'a name that cannot name a namespace',
      args: ['init', 'x', '--name', 'My_Project'],
      message: /must be lowercase/,
    },
  ])('init refuses $name (exit 2)', async ({ args, message }) => {
    const { code, stderr } = await metahooks(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
  })

  it('new composite and new decorator add controllers, their tests, examples and registry entries, and regenerate the manifests', async () => {
    const composite = await metahooks([
      'new',
      'composite',
      'greeting',
      '--group',
      'example.com',
      '--kind',
      'Greeting',
    ])
    expect(composite.code, composite.stderr).toBe(0)
    expect(composite.stdout).toContain('wrote compositecontrollers/greeting.yaml')
    const decorator = await metahooks([
      'new',
      'decorator',
      'labeller',
      '--api-version',
      'apps/v1',
      '--kind',
      'Deployment',
    ])
    expect(decorator.code, decorator.stderr).toBe(0)
    expect(readFileSync(join(project, 'hooks/registry.ts'), 'utf8')).toMatch(
      /\[greeting, labeller\]/,
    )
    expect((await metahooks(['controllers'])).stdout).toMatch(
      /^greeting\tcomposite\t\/greeting\/sync\nlabeller\tdecorator\t\/labeller\/sync\n$/,
    )
    const controller = readFileSync(join(project, 'compositecontrollers/greeting.yaml'), 'utf8')
    expect(controller).toMatch(
      /kind: CustomResourceDefinition[\s\S]*name: greetings\.example\.com[\s\S]*kind: CompositeController/,
    )
    expect(readFileSync(join(project, 'deploy/server.yaml'), 'utf8')).toMatch(
      /namespace: my-controllers[\s\S]*image: my-controllers:0\.1\.0/,
    )
    expect((await metahooks(['manifests', '--check'])).code).toBe(0)
    const validate = await metahooks(['validate'])
    expect(validate.stdout, validate.stderr).toMatch(/^all manifests valid/)
  })

  it.each([
    {
      name: 'a controller that exists',
      args: ['new', 'composite', 'greeting', '--group', 'example.com', '--kind', 'Other'],
      message: /exists already/,
    },
    {
      name: 'a kind that is not PascalCase',
      args: ['new', 'composite', 'other', '--group', 'example.com', '--kind', 'other'],
      message: /--kind must be/,
    },
    {
      name: 'a group without a dot',
      args: ['new', 'composite', 'other', '--group', 'example', '--kind', 'Other'],
      message: /--group must be/,
    },
  ])('new refuses $name (exit 2), writing nothing', async ({ args, message }) => {
    const { code, stderr } = await metahooks(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(existsSync(join(project, 'hooks/other'))).toBe(false)
  })

  it("the project's own tests pass (npm test: tsc, then the generated table-driven tests)", async () => {
    const { code, stdout, stderr } = await run('npm', ['test'], project, {
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    })
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toMatch(/Tests\s+\S*\s*9 passed/)
  })

  it('npm start serves the new controllers; render --url gets the desired ConfigMap from it', async () => {
    let server: ServerProcess | undefined
    try {
      server = await startServerProcess({}, project, { npm: true })
      const rendered = await metahooks([
        'render',
        'greeting',
        '-f',
        'examples/greeting.yaml',
        '--url',
        server.url,
        '-o',
        'json',
      ])
      expect(rendered.code, rendered.stderr).toBe(0)
      expect(JSON.parse(rendered.stdout)).toMatchObject({
        children: [
          {
            kind: 'ConfigMap',
            metadata: { name: 'example-message' },
            data: { message: 'Hello, world!' },
          },
        ],
      })
      expect(server.logs).toContainEqual(
        expect.objectContaining({ msg: 'listening', controllers: ['greeting', 'labeller'] }),
      )
    } finally {
      await stopServerProcess(server)
    }
  })
})
