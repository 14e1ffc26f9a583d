"use client"

import * as React from "react"
import { Ban } from "lucide-react"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { revokeDevice } from "@/lib/devices/actions"
import { type Device } from "@/lib/devices/queries"
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"

import { useDeviceAction } from "./use-device-action"

type RevokeDeviceDialogProps = { userId: string; device: Device }

export function RevokeDeviceDialog(props: RevokeDeviceDialogProps) {
  const [open, setOpen] = React.useState(false)

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="destructive">
          <Ban aria-hidden="true" />
          Revoke
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        {/* Mounted while open only, so each opening starts without the last answer. */}
        <RevokeDeviceConfirm {...props} onDone={() => setOpen(false)} />
      </AlertDialogContent>
    </AlertDialog>
  )
}

function RevokeDeviceConfirm({
  userId,
  device,
  onDone,
}: RevokeDeviceDialogProps & { onDone: () => void }) {
  const { result, run, isPending } = useDeviceAction({
    userId,
    deviceId: device.id,
    action: (previous, input: { id: string }) => revokeDevice(previous, input),
    patch: (current, data) => ({ ...current, revoked_at: data.revoked_at }),
    onSuccess: () => {
      toast.success(`${device.name} was revoked`)
      onDone()
    },
  })

  return (
    <>
      <AlertDialogHeader>
        <AlertDialogTitle className="wrap-anywhere">
          Revoke {device.name}?
        </AlertDialogTitle>
        <AlertDialogDescription>
          The device is refused from its very next call: it stops syncing,
          sending heartbeats and taking runs. Its past sessions stay. To use it
          again, pair it again with{" "}
          <code className="font-mono">npm run device -- pair</code>.
        </AlertDialogDescription>
      </AlertDialogHeader>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <AlertDialogFooter>
        <AlertDialogCancel>Cancel</AlertDialogCancel>
        {/* A plain button, not AlertDialogAction: the dialog must stay open until the
            revocation is confirmed by the server, or show why it failed. */}
        <Button
          variant="destructive"
          onClick={() => run({ id: device.id })}
          disabled={isPending}
        >
          {isPending ? "Revoking…" : "Revoke device"}
        </Button>
      </AlertDialogFooter>
    </>
  )
}
