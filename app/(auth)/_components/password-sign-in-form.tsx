"use client"

import * as React from "react"
import Link from "next/link"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { signInWithPassword } from "@/lib/auth/browser-auth"
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

export function PasswordSignInForm({ next }: { next: string }) {
  const { result, formAction, formRef } = useAction(signInWithPassword)

  return (
    <form ref={formRef} action={formAction} className="grid gap-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <input type="hidden" name="next" value={next} />
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
      <Field errors={fieldError(result, "password")}>
        <div className="flex items-center justify-between gap-2">
          <FieldLabel>Password</FieldLabel>
          <Link
            href="/forgot-password"
            className="text-xs text-muted-foreground underline-offset-4 hover:text-foreground hover:underline"
          >
            Forgot password?
          </Link>
        </div>
        <FieldControl>
          <Input
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
        </FieldControl>
        <FieldError />
      </Field>
      <Captcha resetKey={result} />
      <SubmitButton className="w-full" pendingLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  )
}
