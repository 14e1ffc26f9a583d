"use client"

import * as React from "react"
import { Ban } from "lucide-react"
import { toast } from "sonner"

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

import { useDeviceMutation } from "./use-device-mutation"

export function RevokeDeviceDialog({
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
    action: (input: { id: string }) => revokeDevice(input),
    patch: (current, data) => ({ ...current, revoked_at: data.revoked_at }),
  })
  const result = mutation.data

  const handleRevoke = () => {
    mutation.mutate(
      { id: device.id },
      {
        onSuccess: (outcome) => {
          if (!outcome.ok) return
          toast.success(`${device.name} was revoked`)
          setOpen(false)
        },
      }
    )
  }

  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next)
        if (next) mutation.reset()
      }}
    >
      <AlertDialogTrigger asChild>
        <Button variant="destructive">
          <Ban aria-hidden="true" />
          Revoke
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle className="wrap-anywhere">
            Revoke {device.name}?
          </AlertDialogTitle>
          <AlertDialogDescription>
            The device is refused from its very next call: it stops syncing,
            sending heartbeats and taking runs. Its past sessions stay. To use
            it again, pair it again with{" "}
            <code className="font-mono">npm run device -- pair</code>.
          </AlertDialogDescription>
        </AlertDialogHeader>
        {result && !result.ok ? (
          <p role="alert" className="text-sm text-destructive">
            {result.message}
          </p>
        ) : null}
        {mutation.isError ? (
          <p role="alert" className="text-sm text-destructive">
            Could not reach the server. Try again.
          </p>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          {/* A plain button, not AlertDialogAction: the dialog must stay open until the
              revocation is confirmed by the server, or show why it failed. */}
          <Button
            variant="destructive"
            onClick={handleRevoke}
            disabled={mutation.isPending}
          >
            {mutation.isPending ? "Revoking…" : "Revoke device"}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  )
}
