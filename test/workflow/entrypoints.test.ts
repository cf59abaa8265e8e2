import { describe, expect, it } from 'vitest'
import { repository, resolveArgv } from '../../hooks/workflow/entrypoints.ts'

describe('image entrypoints: the full command the executor wraps', () => {
  it.each([
    ['python:3.12-alpine', 'python'],
    ['docker.io/library/python:3', 'python'],
    ['busybox@sha256:abc', 'busybox'],
    ['ghcr.io/org/tool:1.0', 'ghcr.io/org/tool'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['argoproj/argosay:v2', 'argoproj/argosay'],
  ])('%s is the repository %s', (image, repo) => {
    expect(repository(image)).toBe(repo)
  })

  it.each([
    {
      name: 'command and args',
      reason: 'command replaces the ENTRYPOINT, args the CMD',
      container: { image: 'unknown/x', command: ['sh', '-c'], args: ['echo hi'] },
      argv: ['sh', '-c', 'echo hi'],
    },
    {
      name: 'args only, known image without ENTRYPOINT',
      reason: 'args run as the command',
      container: { image: 'python:3', args: ['-c', 'print(1)'] },
      argv: ['-c', 'print(1)'],
    },
    {
      name: 'args only, known image with ENTRYPOINT',
      reason: 'the ENTRYPOINT stays, args replace the CMD',
      container: { image: 'argoproj/argosay:v2', args: ['echo', 'hi'] },
      argv: ['/argosay', 'echo', 'hi'],
    },
    {
      name: 'nothing, known image',
      reason: 'the image CMD runs',
      container: { image: 'node:20' },
      argv: ['docker-entrypoint.sh', 'node'],
    },
    {
      name: 'args only, unknown image',
      reason: 'the image ENTRYPOINT is unknown: the executor cannot wrap it',
      container: { image: 'example.com/tool:1', args: ['run'] },
      argv: undefined,
    },
  ])('$name', ({ container, argv, reason }) => {
    expect(resolveArgv(container), reason).toEqual(argv)
  })
})
