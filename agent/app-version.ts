import { readFileSync } from "node:fs"

import { z } from "zod"

const packageSchema = z.object({ version: z.string().optional() })

let cached: string | undefined

/** The console's version, which the agent reports as its own; package.json is read once. */
export function appVersion(): string {
  cached ??=
    packageSchema.parse(
      JSON.parse(
        readFileSync(new URL("../package.json", import.meta.url), "utf8")
      )
    ).version ?? "0.0.0"

  return cached
}
