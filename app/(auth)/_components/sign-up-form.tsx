"use client"

import * as React from "react"
import Link from "next/link"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { signUp } from "@/lib/auth/browser-auth"
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/schema"
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
import { Captcha } from "@/components/auth/captcha"
import { SubmitButton } from "@/components/auth/submit-button"

import { EmailCodeForm } from "./email-code-form"

const LINK = "font-medium underline underline-offset-4"

export function SignUpForm({ next }: { next: string }) {
  const { result, formAction, formRef } = useAction(signUp)

  if (result?.ok) {
    const { email } = result.data
    const nextQuery = next === "/" ? "" : `?next=${encodeURIComponent(next)}`

    // Auth answers an address that already has an account exactly as a new one, and sends
    // it nothing (so nobody can find out who has an account): the words cover both cases.
    return (
      <EmailCodeForm
        email={email}
        next={next}
        focusCode
        notice={
          <>
            If <strong className="font-medium">{email}</strong> is new, we sent
            a confirmation link and a 6-digit code to it: open the link, or
            enter the code here. If you already have an account,{" "}
            <Link href={`/sign-in${nextQuery}`} className={LINK}>
              sign in
            </Link>{" "}
            or{" "}
            <Link href="/forgot-password" className={LINK}>
              reset your password
            </Link>
            .
          </>
        }
        submitLabel="Confirm with code"
      />
    )
  }

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
        <FieldLabel>Password</FieldLabel>
        <FieldControl>
          <Input
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD_LENGTH}
            required
          />
        </FieldControl>
        <FieldDescription>
          At least {MIN_PASSWORD_LENGTH} characters.
        </FieldDescription>
        <FieldError />
      </Field>
      <Captcha resetKey={result} />
      <SubmitButton className="w-full" pendingLabel="Creating your account…">
        Create account
      </SubmitButton>
    </form>
  )
}
