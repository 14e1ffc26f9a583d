"use client"

import * as React from "react"
import { Pencil } from "lucide-react"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
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
import {
  Field,
  FieldControl,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"

import { useDeviceAction } from "./use-device-action"

type RenameDeviceDialogProps = { userId: string; device: Device }

export function RenameDeviceDialog(props: RenameDeviceDialogProps) {
  const [open, setOpen] = React.useState(false)

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <Pencil aria-hidden="true" />
          Rename
        </Button>
      </DialogTrigger>
      <DialogContent>
        {/* Mounted while open only, so each opening starts without the last answer. */}
        <RenameDeviceForm {...props} onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  )
}

function RenameDeviceForm({
  userId,
  device,
  onDone,
}: RenameDeviceDialogProps & { onDone: () => void }) {
  const { result, run, isPending, formRef } = useDeviceAction({
    userId,
    deviceId: device.id,
    action: (previous, input: DeviceRename) => renameDevice(previous, input),
    patch: (current, data) => ({ ...current, name: data.name }),
    onSuccess: (data) => {
      toast.success(`Renamed to ${data.name}`)
      onDone()
    },
  })
  const nameError = fieldError(result, "name")

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const name = String(new FormData(event.currentTarget).get("name") ?? "")
    run({ id: device.id, name })
  }

  return (
    <form
      ref={formRef}
      onSubmit={handleSubmit}
      className="grid gap-4"
      noValidate
    >
      <DialogHeader>
        <DialogTitle>Rename device</DialogTitle>
        <DialogDescription>
          The name shows on this console and on the sessions and runs from this
          machine.
        </DialogDescription>
      </DialogHeader>
      <Field errors={nameError}>
        <FieldLabel>Device name</FieldLabel>
        <FieldControl>
          <Input
            name="name"
            defaultValue={device.name}
            maxLength={80}
            required
            autoComplete="off"
          />
        </FieldControl>
        <FieldError />
      </Field>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={isPending}>
          {isPending ? "Saving…" : "Save name"}
        </Button>
      </DialogFooter>
    </form>
  )
}
