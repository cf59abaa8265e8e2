import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadObjects } from '../../hooks/core/testing/files.ts'
import { readYamlDocuments } from '../../hooks/core/yaml.ts'
import { ROOT } from '../fixtures/server.ts'

const fixture = (name: string) => join(ROOT, 'test/fixtures/yaml', name)

describe('YAML as kubectl reads it', () => {
  it.each([
    {
      name: 'a double-quoted scalar wrapping to column 0',
      reason: 'go-yaml folds it; strict YAML 1.2 refuses the indentation',
      text: 'a: "hello\nworld"\n',
      want: { a: 'hello world' },
    },
    {
      name: 'a single-quoted scalar in a flow sequence',
      reason: "escaped '' and folding",
      text: "a: ['it''s\nfine', b]\n",
      want: { a: ["it's fine", 'b'] },
    },
    {
      name: 'a flow map value',
      reason: 'the same folding inside braces',
      text: 'a: {x: "multi\n  line"}\n',
      want: { a: { x: 'multi line' } },
    },
    {
      name: 'plain YAML',
      reason: 'read by the strict parser',
      text: 'a: 1\nb: [x, y]\n',
      want: { a: 1, b: ['x', 'y'] },
    },
  ])('$name', ({ text, want, reason }) => {
    const read = readYamlDocuments(text)
    expect(read.ok, reason).toBe(true)
    if (read.ok) expect(read.documents).toEqual([want])
  })

  it("a text no YAML parser reads is an error with the strict parser's position", () => {
    const read = readYamlDocuments('a: [1, 2\nb: 3\n')
    expect(read.ok).toBe(false)
    if (read.ok) return
    expect(read.document).toBe(1)
    expect(read.line).toBeGreaterThan(0)
    expect(read.message).toMatch(/flow sequence|\]/i)
  })

  it('the CLI loader reads a workflow with wrapped quoted commands and a second document', () => {
    const [workflow, config] = loadObjects(fixture('workflow-multiline-args.yaml')) as unknown as [
      { spec: { templates: { container: { command: string[]; args: string[] } }[] } },
      { data: Record<string, string> },
    ]
    expect(workflow.spec.templates[0]!.container.command).toEqual([
      'python',
      '-c',
      "import sys; print('hello from', sys.version)",
    ])
    expect(workflow.spec.templates[0]!.container.args).toEqual([
      '--flag',
      "value with 'quotes' and a second line",
    ])
    expect(config.data).toEqual({
      folded: 'folded text on lines\n',
      literal: 'keep\n  the lines\n',
      anchored: 'the same value',
      alias: 'the same value',
    })
  })
})
