"use server"

import { z } from "zod"

import { fail, invalid, ok, type ActionResult } from "@/lib/action-result"
import { isStepUpRefusal, stepUpRequired } from "@/lib/auth/step-up"
import { createClient } from "@/lib/supabase/server"
import { type Client } from "@/lib/supabase/types"

import {
  deviceRenameSchema,
  deviceRevokeSchema,
  deviceSettingsSchema,
} from "./form-schema"
import { setDeviceRunProjects } from "./run-projects"

const NOT_FOUND = "That device no longer exists, or it is not yours."
const FAILED = "Could not save the change. Try again in a moment."

function client(): Promise<Client> {
  return createClient()
}

/** Every write goes through the signed-in user's client: RLS and devices_guard_update decide. */
export async function renameDevice(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string; name: string }>> {
  const parsed = deviceRenameSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { id, name } = parsed.data

  const supabase = await client()
  const { data, error } = await supabase
    .from("devices")
    .update({ name })
    .eq("id", id)
    .is("revoked_at", null)
    .select("id, name")
    .maybeSingle()
  if (error) {
    console.error(`[devices] rename failed: ${error.code} ${error.message}`)
    return fail(FAILED)
  }
  if (!data) return fail(NOT_FOUND)

  return ok(data)
}

export async function updateDeviceSettings(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string }>> {
  const parsed = deviceSettingsSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const settings = parsed.data

  const supabase = await client()
  // helper_config may hold keys this form does not edit (set by the agent or a later
  // console); keep them.
  const { data: current, error: readError } = await supabase
    .from("devices")
    .select("helper_config")
    .eq("id", settings.id)
    .maybeSingle()
  if (readError) {
    console.error(
      `[devices] settings read failed: ${readError.code} ${readError.message}`
    )
    return fail(FAILED)
  }
  if (!current) return fail(NOT_FOUND)
  const existing = z
    .record(z.string(), z.json())
    .catch({})
    .parse(current.helper_config)

  const { data, error } = await supabase
    .from("devices")
    .update({
      tunnel_url: settings.tunnel_url,
      lan_port: settings.lan_port,
      helper_enabled: settings.helper_enabled,
      helper_config: {
        ...existing,
        auto_start: settings.helper_auto_start,
        max_concurrent: settings.helper_max_concurrent,
        relay: settings.helper_relay,
      },
    })
    .eq("id", settings.id)
    .is("revoked_at", null)
    .select("id")
    .maybeSingle()
  if (error) {
    console.error(
      `[devices] settings update failed: ${error.code} ${error.message}`
    )
    return fail(FAILED)
  }
  if (!data) return fail(NOT_FOUND)

  if (!settings.run_project_ids) return ok(data)
  const projects = await setDeviceRunProjects(supabase, {
    deviceId: settings.id,
    projectIds: [...new Set(settings.run_project_ids)],
  })
  if (!projects.ok) {
    if (projects.forbidden) {
      return fail(undefined, {
        errors: {
          run_project_ids: [
            "Choose only projects where you are a developer, admin or owner.",
          ],
        },
      })
    }
    console.error(`[devices] run projects update failed: ${projects.message}`)
    return fail(FAILED)
  }

  return ok(data)
}

/**
 * Revokes at once: device_authenticate stops accepting the device's secret in this same
 * transaction, so its next call is refused.
 */
export async function revokeDevice(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string; revoked_at: string }>> {
  const parsed = deviceRevokeSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)

  const supabase = await client()
  const { data, error } = await supabase
    .from("devices")
    .update({ revoked_at: new Date().toISOString() })
    .eq("id", parsed.data.id)
    .is("revoked_at", null)
    .select("id, revoked_at")
    .maybeSingle()
  if (isStepUpRefusal(error)) return stepUpRequired()
  if (error) {
    console.error(`[devices] revoke failed: ${error.code} ${error.message}`)
    return fail(FAILED)
  }
  if (!data?.revoked_at) {
    return fail("That device is already revoked, or it is not yours.")
  }

  return ok({ id: data.id, revoked_at: data.revoked_at })
}
