"use client"

import * as React from "react"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import {
  useAction,
  type ActionState,
  type ServerAction,
} from "@/lib/use-action"
import { FormMessage } from "@/components/ui/form-message"
import { SubmitButton } from "@/components/auth/submit-button"

/**
 * The Remove button of one way of signing in (an authenticator app, a passkey, a security key):
 * the action removes it, asking first for whatever proof it needs (a current code, the key
 * itself), then a toast says it is gone and the list refreshes.
 */
export function RemoveFactorForm<TData, TReason extends string = never>({
  action,
  idField,
  id,
  name,
  removedMessage = `${name} no longer signs you in.`,
  pendingLabel = "Removing…",
  onRemoved,
  proof,
}: {
  action: ServerAction<FormData, TData, TReason>
  /** The form field the action reads the id from. */
  idField: string
  id: string
  /** What the person called it, for the button's label and the toast. */
  name: string
  removedMessage?: string
  pendingLabel?: string
  onRemoved: () => void
  /** Fields the action asked for after a first try (a current code), given its answer. */
  proof?: (result: ActionState<TData, TReason>) => React.ReactNode
}) {
  const { result, formAction, formRef } = useAction(action, {
    onSuccess: () => {
      toast.success(removedMessage)
      onRemoved()
    },
  })

  return (
    <form
      ref={formRef}
      action={formAction}
      className="flex flex-wrap items-end gap-3"
      noValidate
    >
      <input type="hidden" name={idField} value={id} />
      <FormMessage tone="error" className="basis-full">
        {formMessage(result)}
      </FormMessage>
      {proof?.(result)}
      <SubmitButton
        pendingLabel={pendingLabel}
        variant="outline"
        aria-label={`Remove ${name}`}
      >
        Remove
      </SubmitButton>
    </form>
  )
}
