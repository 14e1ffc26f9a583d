"use client"

import * as React from "react"

import { fieldError, formMessage } from "@/lib/action-result"
import { passStepUp } from "@/lib/auth/mfa"
import { useAction } from "@/lib/use-action"
import { FormMessage } from "@/components/ui/form-message"
import { AuthenticatorCodeField } from "@/components/auth/authenticator-code-field"
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
      <AuthenticatorCodeField
        errors={fieldError(result, "code")}
        inputRef={codeRef}
      />
      <SubmitButton pendingLabel="Checking…">Confirm and continue</SubmitButton>
    </form>
  )
}
