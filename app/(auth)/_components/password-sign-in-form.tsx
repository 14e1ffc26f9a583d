"use client"

import * as React from "react"
import Link from "next/link"

import { signInWithPassword } from "@/lib/auth/actions"
import { IDLE } from "@/lib/auth/form-state"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { useFocusFirstError } from "@/components/auth/use-focus-first-error"

export function PasswordSignInForm({ next }: { next: string }) {
  const [state, action] = React.useActionState(signInWithPassword, IDLE)
  const formRef = React.useRef<HTMLFormElement>(null)
  useFocusFirstError(formRef, state)

  return (
    <form ref={formRef} action={action} className="grid gap-4" noValidate>
      <FormMessage tone="error">{state.message}</FormMessage>
      <input type="hidden" name="next" value={next} />
      <FormField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email}
        errors={state.fieldErrors?.email}
      />
      <FormField
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        errors={state.fieldErrors?.password}
        labelAction={
          <Link
            href="/forgot-password"
            className="text-xs text-muted-foreground underline-offset-4 hover:text-foreground hover:underline"
          >
            Forgot password?
          </Link>
        }
      />
      <SubmitButton className="w-full" pendingLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  )
}
