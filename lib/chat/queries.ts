import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { deviceRoleSchema } from "@/lib/devices/schema"
import { type Client } from "@/lib/supabase/types"

// The /chat page's reads: the devices the caller may chat with (public.chat_devices(),
// supabase/migrations/20261203020000_chat_relay.sql: their own, and the hosts of projects
// where they are a developer or more), online LLM hosts first.

const llmServerSchema = z
  .object({
    port: z.int().optional().catch(undefined),
    reachable: z.boolean().optional().catch(undefined),
    server: z.string().optional().catch(undefined),
    error: z.string().optional().catch(undefined),
  })
  .nullable()
  .catch(null)

export const chatDeviceSchema = z.object({
  id: dbId,
  name: z.string(),
  role: deviceRoleSchema,
  own: z.boolean(),
  last_seen_at: z.string().nullable(),
  llm_server: llmServerSchema,
  models_loaded: z.array(z.string()).catch([]),
})
export type ChatDevice = z.infer<typeof chatDeviceSchema>

export async function listChatDevices(supabase: Client): Promise<ChatDevice[]> {
  const { data, error } = await supabase.rpc("chat_devices")
  if (error) throw new Error(`Could not read your devices: ${error.message}`)

  return z.array(chatDeviceSchema).parse(data ?? [])
}
