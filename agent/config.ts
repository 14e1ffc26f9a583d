import { randomBytes } from "node:crypto"
import {
  chmod,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  stat,
} from "node:fs/promises"
import path from "node:path"

import { z } from "zod"

import { dbId } from "@/lib/db-id"

// The agent's only state: which console it is paired with and the device secret. The secret
// is as good as the owner's access to their synced chats, so the file is 0600 in a 0700
// directory from the moment it exists (written to a private temp file, then renamed).

export const deviceConfigSchema = z.object({
  version: z.literal(1),
  server: z.url(),
  device_id: dbId,
  device_name: z.string(),
  device_secret: z.string().min(1),
  account: z.object({ id: dbId, email: z.string().nullable() }),
  paired_at: z.string(),
  /** The LLM server's port as the console last reported it. */
  lan_port: z.int().min(1).max(65535).optional(),
  last_heartbeat: z
    .object({ at: z.string(), ok: z.boolean(), message: z.string() })
    .optional(),
})
export type DeviceConfig = z.infer<typeof deviceConfigSchema>

export const CONFIG_FILE_MODE = 0o600
const CONFIG_DIR_MODE = 0o700

type PathInputs = {
  env: Record<string, string | undefined>
  platform: NodeJS.Platform
  homedir: string
}

/** `LMX_DEVICE_CONFIG`, else the platform's per-user config directory. */
export function resolveConfigPath({
  env,
  platform,
  homedir,
}: PathInputs): string {
  if (env.LMX_DEVICE_CONFIG) return path.resolve(env.LMX_DEVICE_CONFIG)
  const base =
    platform === "win32"
      ? (env.APPDATA ?? path.join(homedir, "AppData", "Roaming"))
      : platform === "darwin"
        ? path.join(homedir, "Library", "Application Support")
        : (env.XDG_CONFIG_HOME ?? path.join(homedir, ".config"))

  return path.join(base, "lmx", "device.json")
}

export class DeviceConfigError extends Error {
  constructor(file: string, problem: string) {
    super(
      `The device config at ${file} ${problem}. Delete it (or run \`npm run device -- unpair\`) and pair again.`
    )
    this.name = "DeviceConfigError"
  }
}

/** The stored pairing, or null when this machine is not paired. */
export async function readDeviceConfig(
  file: string
): Promise<DeviceConfig | null> {
  let text: string
  try {
    text = await readFile(file, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null
    throw error
  }
  // A copy restored from a backup or edited by hand may have lost its mode: tighten it.
  if (process.platform !== "win32") {
    const { mode } = await stat(file)
    if ((mode & 0o077) !== 0) await chmod(file, CONFIG_FILE_MODE)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new DeviceConfigError(file, "is not valid JSON")
  }
  const parsed = deviceConfigSchema.safeParse(json)
  if (!parsed.success)
    throw new DeviceConfigError(file, "is not a device config")

  return parsed.data
}

export async function writeDeviceConfig(
  file: string,
  config: DeviceConfig
): Promise<void> {
  const valid = deviceConfigSchema.parse(config)
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true, mode: CONFIG_DIR_MODE })
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`
  )
  const handle = await open(temp, "wx", CONFIG_FILE_MODE)
  try {
    await handle.writeFile(`${JSON.stringify(valid, null, 2)}\n`, "utf8")
    // The umask may have narrowed the mode further but never widens it; make it exact.
    await handle.chmod(CONFIG_FILE_MODE)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** Forgets the pairing on this machine; true when there was one. */
export async function deleteDeviceConfig(file: string): Promise<boolean> {
  try {
    await rm(file)

    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false
    throw error
  }
}
