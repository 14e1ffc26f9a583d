import * as React from "react"

import {
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { Input } from "@/components/ui/input"

/**
 * The code an authenticator app shows now, as the second sign-in step and the step-up dialog
 * ask for it: digits with an optional space (apps show "123 456"), filled by the phone's
 * one-time-code autofill.
 */
export function AuthenticatorCodeField({
  errors,
  inputRef,
}: {
  /** The code's error from the action (fieldError(result, "code")). */
  errors: React.ComponentProps<typeof Field>["errors"]
  inputRef: React.Ref<HTMLInputElement>
}) {
  return (
    <Field errors={errors}>
      <FieldLabel>Code from your authenticator app</FieldLabel>
      <FieldControl>
        <Input
          ref={inputRef}
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
      <FieldDescription>A new code appears every 30 seconds.</FieldDescription>
      <FieldError />
    </Field>
  )
}
