"use client"

import * as React from "react"
import { Pencil } from "lucide-react"
import { toast } from "sonner"

import { renameDevice } from "@/lib/devices/actions"
import { type DeviceRename } from "@/lib/devices/form-schema"
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

export function RenameDeviceDialog({
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
    action: (input: DeviceRename) => renameDevice(input),
    patch: (current, data) => ({ ...current, name: data.name }),
  })
  const result = mutation.data
  const errors = result && !result.ok ? result.errors : undefined
  const nameId = React.useId()

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const name = String(new FormData(event.currentTarget).get("name") ?? "")
    mutation.mutate(
      { id: device.id, name },
      {
        onSuccess: (outcome) => {
          if (!outcome.ok) return
          toast.success(`Renamed to ${outcome.data.name}`)
          setOpen(false)
        },
      }
    )
  }

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
          <Pencil aria-hidden="true" />
          Rename
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={handleSubmit} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>Rename device</DialogTitle>
            <DialogDescription>
              The name shows on this console and on the sessions and runs from
              this machine.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor={nameId}>Device name</Label>
            <Input
              id={nameId}
              name="name"
              defaultValue={device.name}
              maxLength={80}
              required
              autoComplete="off"
              aria-invalid={errors?.name ? true : undefined}
              aria-describedby={errors?.name ? `${nameId}-error` : undefined}
            />
            <FieldError id={`${nameId}-error`} errors={errors?.name} />
          </div>
          {result && !result.ok && !errors?.name ? (
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
              {mutation.isPending ? "Saving…" : "Save name"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  )
}
