// The files `metahooks init` writes: a project with this repository's layout, depending on metahooks.

export interface Toolchain {
  /** How package.json depends on metahooks: a version range, or file:… for a tarball. */
  metahooks: string
  zod: string
  tsx: string
  typescript: string
  vitest: string
  typesNode: string
  wrangler: string
  biome: string
}

/**
 * The formatter settings of this repository (hono's choices: width 100, single quotes, no
 * semicolons), written as Biome formats its own configuration; npm test checks them.
 */
const BIOME_JSON = `{
  "files": {
    "includes": ["hooks/**/*.ts", "test/**/*.ts", "*.ts"]
  },
  "formatter": {
    "enabled": true,
    "indentStyle": "space",
    "indentWidth": 2,
    "lineWidth": 100
  },
  "javascript": {
    "formatter": {
      "quoteStyle": "single",
      "semicolons": "asNeeded",
      "trailingCommas": "all",
      "arrowParentheses": "always"
    }
  },
  "linter": {
    "enabled": false
  },
  "assist": {
    "enabled": false
  }
}
`

const OFFLINE = 'WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false'

/** `dockerfile`: metahooks' own, which builds any project of this layout (its tag is renamed). */
export function projectFiles(
  name: string,
  tools: Toolchain,
  dockerfile: string,
): Map<string, string> {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    scripts: {
      start: 'exec node --import tsx hooks/node.ts',
      test: 'biome format && tsc -p . && vitest run',
      format: 'biome format --write',
      manifests: 'metahooks manifests',
      'dev:worker': `${OFFLINE} wrangler dev --ip 127.0.0.1 --port 8787 --var METAHOOKS_ALLOW_UNAUTHENTICATED:true`,
    },
    dependencies: { metahooks: tools.metahooks, tsx: tools.tsx, zod: tools.zod },
    devDependencies: {
      '@biomejs/biome': tools.biome,
      '@types/node': tools.typesNode,
      typescript: tools.typescript,
      vitest: tools.vitest,
      wrangler: tools.wrangler,
    },
  }
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023', 'DOM'],
      module: 'preserve',
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      noEmit: true,
      strict: true,
      noUncheckedIndexedAccess: true,
      isolatedModules: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['hooks', 'test', '*.ts'],
  }
  return new Map([
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['tsconfig.json', `${JSON.stringify(tsconfig, null, 2)}\n`],
    ['biome.json', BIOME_JSON],
    [
      'vitest.config.ts',
      `import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({ test: { include: ['test/**/*.test.ts'] } })\n`,
    ],
    [
      'hooks/registry.ts',
      `import type { ControllerDefinition } from 'metahooks'

/** Every controller this project serves (\`metahooks new\` adds to it). */
export const controllers: readonly ControllerDefinition[] = []
`,
    ],
    [
      'hooks/node.ts',
      `// \`npm start\` and the image: every controller's hooks on Node (HOST, PORT, METAHOOKS_* settings).
import { fileURLToPath } from 'node:url'
import { serveUntilSignalled } from 'metahooks/node'
import { controllers } from './registry.ts'

const codeDir = fileURLToPath(new URL('.', import.meta.url))
await serveUntilSignalled({ controllers, codeDir }, process.env).catch((error: unknown) => {
  console.error(\`${name}: \${error instanceof Error ? error.message : String(error)}\`)
  process.exit(1)
})
`,
    ],
    ['Dockerfile', dockerfile.replace(/-t metahooks:\S+/, `-t ${name}:0.1.0`)],
    [
      'hooks/worker.ts',
      `// Cloudflare Workers entrypoint (wrangler.toml): the same controllers as \`npm start\`.
import { createWorker } from 'metahooks/worker'
import { controllers } from './registry.ts'

export default createWorker(controllers)
`,
    ],
    [
      'wrangler.toml',
      `# The same hooks as \`npm start\`, on Cloudflare Workers. Set a token first:
# wrangler secret put METAHOOKS_AUTH_TOKEN (then: metahooks manifests --target worker --url https://… -o worker/)
name = "${name}"
main = "hooks/worker.ts"
compatibility_date = "2026-04-01"
compatibility_flags = ["nodejs_compat"]

[version_metadata]
binding = "CF_VERSION_METADATA"
`,
    ],
    ['.gitignore', ['node_modules/', '.cache/', 'dist/', '.wrangler/', ''].join('\n')],
    [
      '.ci/run',
      `#!/usr/bin/env bash\n# CI: install from the lock file, then the tests.\nset -euo pipefail\ncd "$(dirname "$0")/.."\nnpm ci --no-audit --no-fund\nnpm test\n`,
    ],
    ['examples/.gitkeep', ''],
    ['test/.gitkeep', ''],
    ['README.md', readme(name)],
  ])
}

function readme(name: string): string {
  return `# ${name}

Kubernetes controllers as [Metacontroller](https://metacontroller.github.io/metacontroller/) hooks,
written with [metahooks](https://www.npmjs.com/package/metahooks).

\`\`\`sh
npm install
npm start     # serves every controller's hooks on http://127.0.0.1:8080 (no cluster needed)
npm test      # type-checks and runs the tests
\`\`\`

## Add a controller

\`\`\`sh
npx metahooks new composite greeting --group example.com --kind Greeting
npx metahooks new decorator labeller --api-version apps/v1 --kind Deployment
\`\`\`

Each writes \`hooks/<name>/\` (schema.ts: the spec; sync.ts: the desired children and status;
index.ts: the definition), a table-driven test in \`test/\`, an example parent in \`examples/\`,
its registry entry, and regenerates the manifests.

## Try it without a cluster

\`\`\`sh
npx metahooks render greeting -f examples/greeting.yaml     # one sync call, as Metacontroller makes it
npx metahooks simulate greeting -f examples/greeting.yaml   # rounds against an in-memory cluster
\`\`\`

## Deploy

\`npx metahooks manifests\` writes the CRDs, the CompositeControllers and DecoratorControllers,
the hook server's Deployment (\`--image\` names the image the Dockerfile builds) and
Metacontroller's RBAC;
\`kubectl apply -k .\` applies them. \`npx metahooks validate\` checks them offline. On Cloudflare
Workers: \`npx wrangler deploy\`, then \`npx metahooks manifests --target worker --url https://… -o worker/\`.
`
}
