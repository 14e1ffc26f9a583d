"use client"

import * as React from "react"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { requestPasswordReset } from "@/lib/auth/browser-auth"
import { useAction } from "@/lib/use-action"
import {
  Field,
  FieldControl,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"
import { Captcha } from "@/components/auth/captcha"
import { SubmitButton } from "@/components/auth/submit-button"

export function ForgotPasswordForm() {
  const { result, formAction, formRef } = useAction(requestPasswordReset)

  if (result?.ok) {
    return (
      <FormMessage tone="success">
        If an account uses{" "}
        <strong className="font-medium">{result.data.email}</strong>, a link to
        choose a new password is on its way. It works for an hour.
      </FormMessage>
    )
  }

  return (
    <form ref={formRef} action={formAction} className="grid gap-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <Field errors={fieldError(result, "email")}>
        <FieldLabel>Email</FieldLabel>
        <FieldControl>
          <Input
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={failedValue(result, "email")}
          />
        </FieldControl>
        <FieldError />
      </Field>
      <Captcha resetKey={result} />
      <SubmitButton className="w-full" pendingLabel="Sending…">
        Email me a reset link
      </SubmitButton>
    </form>
  )
}
