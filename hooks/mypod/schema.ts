import * as z from 'zod'
import { image, splitCommand } from 'metahooks'

/** Words that only mean something to a shell: customCommand runs without one, so they would reach the program as arguments. */
const SHELL_OPERATORS = new Set(['&&', '||', '|', ';', '&', '>', '>>', '<', '2>', '2>&1', '<<'])

/** MyPod (crd.example.com/v1): one Pod per MyPod, from the study notes' first custom resource. */
export const MyPodSpec = z.object({
  uri: z.string().optional().describe('Given to the container as the URI environment variable.'),
  customCommand: z
    .string()
    .optional()
    .describe(
      'Command line run instead of the image entrypoint; split into words like a shell does, but no shell runs it.',
    )
    .superRefine((line, ctx) => {
      if (line === undefined) return
      try {
        const words = splitCommand(line)
        if (words.length === 0)
          ctx.addIssue({
            code: 'custom',
            message: 'must contain a command (omit it to run the image entrypoint)',
          })
        const operator = words.find(
          (w) => SHELL_OPERATORS.has(w) || w.startsWith('$(') || w.includes('`'),
        )
        if (operator)
          ctx.addIssue({
            code: 'custom',
            message: `uses the shell's ${JSON.stringify(operator)}, but no shell runs it (it would be an argument); to run a shell, write: sh -c '${line.replaceAll("'", "'\\''")}'`,
          })
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `cannot be split into words: ${(error as Error).message}`,
        })
      }
    }),
  image: image().default('nginx').describe('Container image; defaults to nginx.'),
})
export type MyPodSpec = z.output<typeof MyPodSpec>

/** What sync reads from the observed Pod; anything else in it is ignored. */
export const ObservedPod = z.looseObject({
  metadata: z.looseObject({ deletionTimestamp: z.string().optional() }),
  spec: z
    .looseObject({
      containers: z.array(
        z.looseObject({
          name: z.string(),
          image: z.string().optional(),
          command: z.array(z.string()).optional(),
          env: z
            .array(z.looseObject({ name: z.string(), value: z.string().optional() }))
            .optional(),
        }),
      ),
    })
    .optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      conditions: z
        .array(
          z.looseObject({
            type: z.string(),
            status: z.string(),
            reason: z.string().optional(),
            message: z.string().optional(),
            lastTransitionTime: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
})
