"use client"

import * as React from "react"

import { failedValue, fieldError } from "@/lib/action-result"
import { verifyEmailCode } from "@/lib/auth/browser-auth"
import { useAction } from "@/lib/use-action"
import {
  Field,
  FieldControl,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"
import { SubmitButton } from "@/components/auth/submit-button"

type EmailCodeFormProps = {
  /** The address the email went to, when this browser asked for it. */
  email: string
  next: string
  /** The "check your inbox" note; it gives way to an error, so one message shows at a time. */
  notice?: React.ReactNode
  /** Put focus on the code field at once (the email was just sent). */
  focusCode?: boolean
  submitLabel: string
  children?: React.ReactNode
}

/**
 * The 6-digit code from a sign-in or sign-up email; it works in any browser, where the link
 * needs the one that asked for it.
 */
export function EmailCodeForm({
  email,
  next,
  notice,
  focusCode,
  submitLabel,
  children,
}: EmailCodeFormProps) {
  const codeRef = React.useRef<HTMLInputElement>(null)
  // A wrong or expired code is a form-level error, but the code is what to retype.
  const { result, formAction, formRef } = useAction(verifyEmailCode, {
    focusOnError: codeRef,
  })
  const failed = result !== null && !result.ok

  React.useEffect(() => {
    if (focusCode) codeRef.current?.focus()
  }, [focusCode])

  return (
    <form ref={formRef} action={formAction} className="grid gap-4" noValidate>
      {failed ? (
        <FormMessage tone="error">{result.message}</FormMessage>
      ) : notice ? (
        <FormMessage tone="success">{notice}</FormMessage>
      ) : null}
      <input type="hidden" name="next" value={next} />
      <Field errors={fieldError(result, "email")}>
        <FieldLabel>Email</FieldLabel>
        <FieldControl>
          <Input
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={failedValue(result, "email") ?? email}
          />
        </FieldControl>
        <FieldError />
      </Field>
      <Field errors={fieldError(result, "code")}>
        <FieldLabel>6-digit code</FieldLabel>
        <FieldControl>
          <Input
            ref={codeRef}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]*"
            maxLength={7}
            required
            className="font-mono tracking-[0.3em]"
          />
        </FieldControl>
        <FieldError />
      </Field>
      <SubmitButton className="w-full" pendingLabel="Checking…">
        {submitLabel}
      </SubmitButton>
      {children}
    </form>
  )
}
