"use client"

import * as React from "react"
import { Settings2 } from "lucide-react"
import { toast } from "sonner"

import { updateDeviceSettings } from "@/lib/devices/actions"
import { type DeviceSettingsInput } from "@/lib/devices/form-schema"
import { type Device } from "@/lib/devices/queries"
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
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"

import { FieldError } from "./field-error"
import { useDeviceMutation } from "./use-device-mutation"

const CHECKBOX =
  "size-4 rounded border-input accent-primary outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"

export function DeviceSettingsDialog({
  userId,
  device,
}: {
  userId: string
  device: Device
}) {
  const [open, setOpen] = React.useState(false)
  const mutation = useDeviceMutation({
    userId,
    deviceId: device.id,
    action: (input: DeviceSettingsInput) => updateDeviceSettings(input),
    patch: (current, _data, input) => ({
      ...current,
      tunnel_url: input.tunnel_url.trim() || null,
      lan_port: Number(input.lan_port),
      helper_enabled: input.helper_enabled,
      helper_config: {
        ...current.helper_config,
        auto_start: input.helper_auto_start,
        max_concurrent: Number(input.helper_max_concurrent),
      },
    }),
  })
  const result = mutation.data
  const errors = result && !result.ok ? result.errors : undefined
  const id = React.useId()

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    mutation.mutate(
      {
        id: device.id,
        tunnel_url: String(form.get("tunnel_url") ?? ""),
        lan_port: String(form.get("lan_port") ?? ""),
        helper_enabled: form.get("helper_enabled") === "on",
        helper_auto_start: form.get("helper_auto_start") === "on",
        helper_max_concurrent: String(form.get("helper_max_concurrent") ?? ""),
      },
      {
        onSuccess: (outcome) => {
          if (!outcome.ok) return
          toast.success("Settings saved")
          setOpen(false)
        },
      }
    )
  }

  const field = (name: string) => ({
    "aria-invalid": errors?.[name] ? true : undefined,
    "aria-describedby": errors?.[name]
      ? `${id}-${name}-error`
      : `${id}-${name}-hint`,
  })

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next)
        if (next) mutation.reset()
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline">
          <Settings2 aria-hidden="true" />
          Edit settings
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={handleSubmit} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>Device settings</DialogTitle>
            <DialogDescription className="wrap-anywhere">
              How the console and your other machines reach {device.name}, and
              whether its helper takes work.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor={`${id}-tunnel_url`}>Tunnel URL</Label>
            <Input
              id={`${id}-tunnel_url`}
              name="tunnel_url"
              type="url"
              inputMode="url"
              placeholder="https://my-mac.example.net"
              defaultValue={device.tunnel_url ?? ""}
              {...field("tunnel_url")}
            />
            <p
              id={`${id}-tunnel_url-hint`}
              className="text-xs text-muted-foreground"
            >
              Leave empty when the machine has no tunnel.
            </p>
            <FieldError
              id={`${id}-tunnel_url-error`}
              errors={errors?.tunnel_url}
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor={`${id}-lan_port`}>LLM server port</Label>
            <Input
              id={`${id}-lan_port`}
              name="lan_port"
              inputMode="numeric"
              defaultValue={device.lan_port}
              className="w-32"
              {...field("lan_port")}
            />
            <p
              id={`${id}-lan_port-hint`}
              className="text-xs text-muted-foreground"
            >
              The port its LLM server listens on in your LAN (LM Studio uses
              1234).
            </p>
            <FieldError id={`${id}-lan_port-error`} errors={errors?.lan_port} />
          </div>
          <fieldset className="grid gap-3 rounded-md border p-3">
            <legend className="px-1 text-sm font-medium">Helper</legend>
            <div className="flex items-center gap-2">
              <input
                id={`${id}-helper_enabled`}
                name="helper_enabled"
                type="checkbox"
                defaultChecked={device.helper_enabled}
                className={CHECKBOX}
              />
              <Label htmlFor={`${id}-helper_enabled`}>
                Let this device run workflow jobs
              </Label>
            </div>
            <div className="flex items-center gap-2">
              <input
                id={`${id}-helper_auto_start`}
                name="helper_auto_start"
                type="checkbox"
                defaultChecked={device.helper_config.auto_start ?? false}
                className={CHECKBOX}
              />
              <Label htmlFor={`${id}-helper_auto_start`}>
                Start the helper when the agent starts
              </Label>
            </div>
            <div className="grid gap-2">
              <Label htmlFor={`${id}-helper_max_concurrent`}>
                Jobs at a time
              </Label>
              <Input
                id={`${id}-helper_max_concurrent`}
                name="helper_max_concurrent"
                inputMode="numeric"
                defaultValue={device.helper_config.max_concurrent ?? 1}
                className="w-24"
                {...field("helper_max_concurrent")}
              />
              <p
                id={`${id}-helper_max_concurrent-hint`}
                className="text-xs text-muted-foreground"
              >
                From 1 to 16.
              </p>
              <FieldError
                id={`${id}-helper_max_concurrent-error`}
                errors={errors?.helper_max_concurrent}
              />
            </div>
          </fieldset>
          {result && !result.ok && !errors ? (
            <p role="alert" className="text-sm text-destructive">
              {result.message}
            </p>
          ) : null}
          {mutation.isError ? (
            <p role="alert" className="text-sm text-destructive">
              Could not reach the server. Try again.
            </p>
          ) : null}
          <DialogFooter>
            <Button
              type="button"
              variant="outline"
              onClick={() => setOpen(false)}
            >
              Cancel
            </Button>
            <Button type="submit" disabled={mutation.isPending}>
              {mutation.isPending ? "Saving…" : "Save settings"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  )
}
