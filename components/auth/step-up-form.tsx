"use client"

import * as React from "react"

import { fieldError, formMessage } from "@/lib/action-result"
import { passStepUp } from "@/lib/auth/mfa"
import { useAction } from "@/lib/use-action"
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

/** The step-up code form inside StepUpProvider's dialog (step-up-dialog.tsx). */
export function StepUpForm({ onPassed }: { onPassed: () => void }) {
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
