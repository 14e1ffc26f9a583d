"use client"

import * as React from "react"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { useAction, type ServerAction } from "@/lib/use-action"
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

import { DeniedHint } from "./denied-hint"

type ConfirmActionProps<TPayload, TData> = {
  /** The trigger's label, and its accessible name when `triggerLabel` is not given. */
  label: string
  triggerLabel?: string
  title: string
  description: React.ReactNode
  confirmLabel: string
  pendingLabel: string
  action: ServerAction<TPayload, TData>
  payload: TPayload
  success: string
  /** Why the role cannot, or null: the trigger is disabled with this reason on hover. */
  deniedReason: string | null
  destructive?: boolean
  onSuccess?: (data: TData) => void
}

/** A button that asks first, runs a server action, and shows the database's refusal inline. */
export function ConfirmAction<TPayload, TData>(
  props: ConfirmActionProps<TPayload, TData>
) {
  const [open, setOpen] = React.useState(false)
  const { label, triggerLabel, deniedReason, destructive } = props

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <DeniedHint reason={deniedReason}>
        <AlertDialogTrigger asChild>
          <Button
            size="sm"
            variant={destructive ? "outline" : "secondary"}
            disabled={deniedReason !== null}
            aria-label={triggerLabel}
          >
            {label}
          </Button>
        </AlertDialogTrigger>
      </DeniedHint>
      <AlertDialogContent>
        {/* Mounted while open only, so each opening starts without the last answer. */}
        <ConfirmBody {...props} onDone={() => setOpen(false)} />
      </AlertDialogContent>
    </AlertDialog>
  )
}

function ConfirmBody<TPayload, TData>({
  title,
  description,
  confirmLabel,
  pendingLabel,
  action,
  payload,
  success,
  destructive,
  onSuccess,
  onDone,
}: ConfirmActionProps<TPayload, TData> & { onDone: () => void }) {
  const { result, run, isPending } = useAction(action, {
    onSuccess: (data) => {
      toast.success(success)
      onDone()
      onSuccess?.(data)
    },
  })

  return (
    <>
      <AlertDialogHeader>
        <AlertDialogTitle className="wrap-anywhere">{title}</AlertDialogTitle>
        <AlertDialogDescription>{description}</AlertDialogDescription>
      </AlertDialogHeader>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <AlertDialogFooter>
        <AlertDialogCancel>Cancel</AlertDialogCancel>
        <Button
          variant={destructive ? "destructive" : "default"}
          onClick={() => run(payload)}
          disabled={isPending}
        >
          {isPending ? pendingLabel : confirmLabel}
        </Button>
      </AlertDialogFooter>
    </>
  )
}
