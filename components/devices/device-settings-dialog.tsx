"use client"

import * as React from "react"
import { useQuery } from "@tanstack/react-query"
import { Settings2 } from "lucide-react"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import { updateDeviceSettings } from "@/lib/devices/actions"
import { type DeviceSettingsInput } from "@/lib/devices/form-schema"
import { type Device } from "@/lib/devices/queries"
import { deviceRunProjectsQueryOptions } from "@/lib/devices/query-options"
import { createClient } from "@/lib/supabase/client"
import { Button } from "@/components/ui/button"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog"
import {
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"

import { useDeviceAction } from "./use-device-action"

const CHECKBOX =
  "size-4 rounded border-input accent-primary outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"

type DeviceSettingsDialogProps = { userId: string; device: Device }

export function DeviceSettingsDialog(props: DeviceSettingsDialogProps) {
  const [open, setOpen] = React.useState(false)

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <Settings2 aria-hidden="true" />
          Edit settings
        </Button>
      </DialogTrigger>
      <DialogContent>
        {/* Mounted while open only, so each opening starts without the last answer. */}
        <DeviceSettingsForm {...props} onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  )
}

function DeviceSettingsForm({
  userId,
  device,
  onDone,
}: DeviceSettingsDialogProps & { onDone: () => void }) {
  const { result, run, isPending, formRef } = useDeviceAction({
    userId,
    deviceId: device.id,
    action: (previous, input: DeviceSettingsInput) =>
      updateDeviceSettings(previous, input),
    patch: (current, _data, input) => ({
      ...current,
      tunnel_url: input.tunnel_url.trim() || null,
      lan_port: Number(input.lan_port),
      helper_enabled: input.helper_enabled,
      helper_config: {
        ...current.helper_config,
        auto_start: input.helper_auto_start,
        max_concurrent: Number(input.helper_max_concurrent),
        relay: input.helper_relay,
      },
    }),
    onSuccess: () => {
      toast.success("Settings saved")
      onDone()
    },
  })

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    run({
      id: device.id,
      tunnel_url: String(form.get("tunnel_url") ?? ""),
      lan_port: String(form.get("lan_port") ?? ""),
      helper_enabled: form.get("helper_enabled") === "on",
      helper_auto_start: form.get("helper_auto_start") === "on",
      helper_relay: form.get("helper_relay") === "on",
      helper_max_concurrent: String(form.get("helper_max_concurrent") ?? ""),
      // Only when the list was shown: saving before it loaded leaves the choice alone.
      ...(form.get("run_projects_shown")
        ? { run_project_ids: form.getAll("run_project_ids").map(String) }
        : {}),
    })
  }

  return (
    <form
      ref={formRef}
      onSubmit={handleSubmit}
      className="grid gap-4"
      noValidate
    >
      <DialogHeader>
        <DialogTitle>Device settings</DialogTitle>
        <DialogDescription className="wrap-anywhere">
          How the console and your other machines reach {device.name}, and
          whether its helper takes work.
        </DialogDescription>
      </DialogHeader>
      <Field errors={fieldError(result, "tunnel_url")}>
        <FieldLabel>Tunnel URL</FieldLabel>
        <FieldControl>
          <Input
            name="tunnel_url"
            type="url"
            inputMode="url"
            placeholder="https://my-mac.example.net"
            defaultValue={device.tunnel_url ?? ""}
          />
        </FieldControl>
        <FieldDescription>
          Leave empty when the machine has no tunnel.
        </FieldDescription>
        <FieldError />
      </Field>
      <Field errors={fieldError(result, "lan_port")}>
        <FieldLabel>LLM server port</FieldLabel>
        <FieldControl>
          <Input
            name="lan_port"
            inputMode="numeric"
            defaultValue={device.lan_port}
            className="w-32"
          />
        </FieldControl>
        <FieldDescription>
          The port its LLM server listens on in your LAN (LM Studio uses 1234).
        </FieldDescription>
        <FieldError />
      </Field>
      <fieldset className="grid gap-3 rounded-md border p-3">
        <legend className="px-1 text-sm font-medium">Helper</legend>
        <Field orientation="horizontal">
          <FieldControl>
            <input
              name="helper_enabled"
              type="checkbox"
              defaultChecked={device.helper_enabled}
              className={CHECKBOX}
            />
          </FieldControl>
          <FieldLabel>Let this device run workflow jobs</FieldLabel>
        </Field>
        <Field orientation="horizontal">
          <FieldControl>
            <input
              name="helper_auto_start"
              type="checkbox"
              defaultChecked={device.helper_config.auto_start ?? false}
              className={CHECKBOX}
            />
          </FieldControl>
          <FieldLabel>Start the helper when the agent starts</FieldLabel>
        </Field>
        <Field orientation="horizontal">
          <FieldControl>
            <input
              name="helper_relay"
              type="checkbox"
              defaultChecked={device.helper_config.relay ?? false}
              className={CHECKBOX}
            />
          </FieldControl>
          <FieldLabel>Relay chats from the console</FieldLabel>
          <FieldDescription className="basis-full">
            <code>npm run device -- serve</code> always relays; with this on,{" "}
            <code>heartbeat --watch</code> and <code>worker</code> relay too
            (within 30 s of saving).
          </FieldDescription>
        </Field>
        <Field errors={fieldError(result, "helper_max_concurrent")}>
          <FieldLabel>Jobs at a time</FieldLabel>
          <FieldControl>
            <Input
              name="helper_max_concurrent"
              inputMode="numeric"
              defaultValue={device.helper_config.max_concurrent ?? 1}
              className="w-24"
            />
          </FieldControl>
          <FieldDescription>From 1 to 16.</FieldDescription>
          <FieldError />
        </Field>
        <RunProjectsField
          userId={userId}
          deviceId={device.id}
          error={fieldError(result, "run_project_ids")}
        />
      </fieldset>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={isPending}>
          {isPending ? "Saving…" : "Save settings"}
        </Button>
      </DialogFooter>
    </form>
  )
}

/**
 * "Projects this device runs jobs for": none by default. Only projects where the owner is
 * developer or above are offered; the database refuses any other (docs/device-agent.md).
 */
function RunProjectsField({
  userId,
  deviceId,
  error,
}: {
  userId: string
  deviceId: string
  error: string | undefined
}) {
  const supabase = React.useMemo(() => createClient(), [])
  const query = useQuery(
    deviceRunProjectsQueryOptions(supabase, userId, deviceId)
  )
  const headingId = React.useId()
  const errorId = React.useId()

  return (
    <div
      role="group"
      aria-labelledby={headingId}
      aria-describedby={error ? errorId : undefined}
      className="grid gap-2"
    >
      <p id={headingId} className="text-sm font-medium">
        Projects this device runs jobs for
      </p>
      {query.isPending ? (
        <p className="text-sm text-muted-foreground" aria-live="polite">
          Loading your projects…
        </p>
      ) : query.isError ? (
        <p className="text-sm text-destructive" role="alert">
          Could not load your projects. Close and open the settings again.
        </p>
      ) : query.data.eligible.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          You are not a developer, admin or owner of any project yet, so this
          device has no jobs to run.
        </p>
      ) : (
        <ul className="grid max-h-48 gap-2 overflow-y-auto">
          {query.data.eligible.map((project) => (
            <li key={project.id} className="flex min-w-0 items-center gap-2">
              <input
                id={`run-project-${project.id}`}
                name="run_project_ids"
                type="checkbox"
                value={project.id}
                defaultChecked={query.data.enabled.includes(project.id)}
                className={CHECKBOX}
              />
              <label
                htmlFor={`run-project-${project.id}`}
                className="truncate text-sm"
                title={project.name}
              >
                {project.name}
              </label>
            </li>
          ))}
        </ul>
      )}
      {query.isSuccess ? (
        <input type="hidden" name="run_projects_shown" value="1" />
      ) : null}
      <p className="text-sm text-muted-foreground">
        None by default: the worker claims runs only of the projects ticked
        here.
      </p>
      {error ? (
        <p id={errorId} className="text-sm text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  )
}
