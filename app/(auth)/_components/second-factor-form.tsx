"use client"

import * as React from "react"

import { fieldError, formMessage } from "@/lib/action-result"
import { verifySecondFactor } from "@/lib/auth/mfa"
import { useAction } from "@/lib/use-action"
import { FormMessage } from "@/components/ui/form-message"
import { AuthenticatorCodeField } from "@/components/auth/authenticator-code-field"
import { SubmitButton } from "@/components/auth/submit-button"

/** The second sign-in step: the 6-digit code the authenticator app shows now. */
export function SecondFactorForm({ next }: { next: string }) {
  const codeRef = React.useRef<HTMLInputElement>(null)
  const { result, formAction, formRef } = useAction(verifySecondFactor, {
    focusOnError: codeRef,
  })

  return (
    <form ref={formRef} action={formAction} className="grid gap-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <input type="hidden" name="next" value={next} />
      <AuthenticatorCodeField
        errors={fieldError(result, "code")}
        inputRef={codeRef}
      />
      <SubmitButton pendingLabel="Checking…">Continue</SubmitButton>
    </form>
  )
}
