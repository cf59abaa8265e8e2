import * as z from 'zod'

/** ToDo (ch20.kiamol.net/v1): the notes' pure custom resource, with an honest status added. */
export const ToDoSpec = z.object({
  item: z.string().optional().describe('What to do.'),
  dueDate: z.iso.date().optional().describe('When to do it (YYYY-MM-DD, UTC).'),
})
export type ToDoSpec = z.output<typeof ToDoSpec>
