"use client"

import * as React from "react"

import { fieldError, formMessage } from "@/lib/action-result"
import { passStepUp } from "@/lib/auth/mfa"
import { StepUpContext, type RequestStepUp } from "@/lib/auth/step-up-context"
import { useAction } from "@/lib/use-action"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
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
import { SubmitButton } from "@/components/auth/submit-button"

/**
 * Lets any action in the tree ask for the second factor when the database refuses it for an
 * aal1 session (supabase/migrations/20261203024000_step_up_sensitive_writes.sql): one dialog,
 * however many actions ask; each waits for the same answer.
 */
export function StepUpProvider({ children }: { children: React.ReactNode }) {
  const [open, setOpen] = React.useState(false)
  const waiting = React.useRef<((passed: boolean) => void)[]>([])

  const settle = React.useCallback((passed: boolean) => {
    const resolvers = waiting.current
    waiting.current = []
    setOpen(false)
    for (const resolve of resolvers) resolve(passed)
  }, [])

  const request = React.useCallback<RequestStepUp>(
    () =>
      new Promise<boolean>((resolve) => {
        waiting.current.push(resolve)
        setOpen(true)
      }),
    []
  )

  return (
    <StepUpContext value={request}>
      {children}
      <Dialog open={open} onOpenChange={(next) => !next && settle(false)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Confirm it is you</DialogTitle>
            <DialogDescription>
              This change needs a code from your authenticator app. It is asked
              once per sign-in.
            </DialogDescription>
          </DialogHeader>
          {open ? <StepUpForm onPassed={() => settle(true)} /> : null}
        </DialogContent>
      </Dialog>
    </StepUpContext>
  )
}

function StepUpForm({ onPassed }: { onPassed: () => void }) {
  const codeRef = React.useRef<HTMLInputElement>(null)
  const { result, formAction, formRef } = useAction(passStepUp, {
    onSuccess: onPassed,
    focusOnError: codeRef,
  })

  return (
    <form ref={formRef} action={formAction} className="grid gap-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <Field errors={fieldError(result, "code")}>
        <FieldLabel>Code from your authenticator app</FieldLabel>
        <FieldControl>
          <Input
            ref={codeRef}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]*"
            maxLength={7}
            autoFocus
            required
            className="font-mono tracking-widest"
          />
        </FieldControl>
        <FieldDescription>
          A new code appears every 30 seconds.
        </FieldDescription>
        <FieldError />
      </Field>
      <SubmitButton pendingLabel="Checking…">Confirm and continue</SubmitButton>
    </form>
  )
}
