import { z } from "zod"

import { dbId, dbIdWithError } from "@/lib/db-id"

// What the console's device forms send to the server actions. The device API's own payloads
// live in ./schema.ts.

export const deviceIdSchema = dbIdWithError("That device does not exist.")

export const deviceRenameSchema = z.object({
  id: deviceIdSchema,
  name: z
    .string({ error: "Enter a name." })
    .trim()
    .min(1, "Enter a name.")
    .max(80, "Use at most 80 characters."),
})
export type DeviceRename = z.infer<typeof deviceRenameSchema>

export const deviceSettingsSchema = z.object({
  id: deviceIdSchema,
  tunnel_url: z
    .string()
    .trim()
    .max(2048, "Use at most 2,048 characters.")
    .transform((value) => (value === "" ? null : value))
    .pipe(
      z
        .url({
          protocol: /^https?$/,
          error: "Enter an http:// or https:// address, or leave it empty.",
        })
        .nullable()
    ),
  lan_port: z.coerce
    .number({ error: "Enter a port number." })
    .int("Enter a whole number.")
    .min(1, "Ports run from 1 to 65535.")
    .max(65535, "Ports run from 1 to 65535."),
  helper_enabled: z.boolean(),
  helper_auto_start: z.boolean(),
  /** `heartbeat --watch` and `worker` relay chats from the console too (`serve` always does). */
  helper_relay: z.boolean(),
  helper_max_concurrent: z.coerce
    .number({ error: "Enter a number." })
    .int("Enter a whole number.")
    .min(1, "Allow at least 1 job at a time.")
    .max(16, "Allow at most 16 jobs at a time."),
  /** The projects the device runs jobs for (none by default); left out, they stay as they are. */
  run_project_ids: z
    .array(dbId, { error: "Choose projects from the list." })
    .max(500, "Choose at most 500 projects.")
    .optional(),
})
export type DeviceSettingsInput = z.input<typeof deviceSettingsSchema>
export type DeviceSettings = z.infer<typeof deviceSettingsSchema>

export const deviceRevokeSchema = z.object({ id: deviceIdSchema })
