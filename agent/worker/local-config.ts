import { readFile } from "node:fs/promises"
import path from "node:path"

import { z } from "zod"

// The worker's own settings on this machine, never sent to the console: the Postgres
// connection strings backup-postgres steps name (docs/workflows.md, "backup-postgres"). It
// lives beside the device config as worker.json, and is read when a run needs it.

export const workerLocalConfigSchema = z.strictObject({
  postgres: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      z
        .string()
        .regex(/^postgres(?:ql)?:\/\//, "a postgres:// connection string")
    )
    .default({}),
})
export type WorkerLocalConfig = z.infer<typeof workerLocalConfigSchema>

export function workerConfigPath(deviceConfigPath: string): string {
  return path.join(path.dirname(deviceConfigPath), "worker.json")
}

export async function readWorkerLocalConfig(
  file: string
): Promise<WorkerLocalConfig> {
  let text: string
  try {
    text = await readFile(file, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { postgres: {} }
    throw error
  }
  const parsed = workerLocalConfigSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    throw new Error(
      `${file} is not a worker config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`
    )
  }

  return parsed.data
}
