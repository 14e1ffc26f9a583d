"use client"

import * as React from "react"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { sendMagicLink } from "@/lib/auth/browser-auth"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
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

type EmailSignInFormProps = {
  next: string
  /** Open at the code step (e.g. a link was opened in another browser). */
  startWithCode?: boolean
}

/**
 * Step one asks for the address and sends one email holding both a link and
 * a 6-digit code; step two takes the code, which works in any browser.
 */
export function EmailSignInForm({ next, startWithCode }: EmailSignInFormProps) {
  const [step, setStep] = React.useState<"email" | "code">(
    startWithCode ? "code" : "email"
  )
  const [sentTo, setSentTo] = React.useState<string>()
  const { result, formAction, formRef } = useAction(sendMagicLink, {
    onSuccess: ({ email }) => {
      setSentTo(email)
      setStep("code")
    },
  })

  if (step === "email") {
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
              defaultValue={failedValue(result, "email") ?? sentTo}
            />
          </FieldControl>
          <FieldDescription>
            We&apos;ll email you a sign-in link and a 6-digit code. New here?
            This creates your account.
          </FieldDescription>
          <FieldError />
        </Field>
        <Captcha resetKey={result} />
        <SubmitButton className="w-full" pendingLabel="Sending…">
          Email me a link and code
        </SubmitButton>
        <Button
          type="button"
          variant="link"
          className="h-auto p-0 text-muted-foreground"
          onClick={() => setStep("code")}
        >
          I already have a code
        </Button>
      </form>
    )
  }

  return (
    <EmailCodeForm
      key={sentTo}
      email={sentTo ?? ""}
      next={next}
      focusCode={sentTo !== undefined}
      notice={
        sentTo ? (
          <>
            Check your inbox: we sent a link and a 6-digit code to{" "}
            <strong className="font-medium">{sentTo}</strong>. Open the link, or
            enter the code here.
          </>
        ) : null
      }
      submitLabel="Sign in with code"
    >
      <Button
        type="button"
        variant="link"
        className="h-auto p-0 text-muted-foreground"
        onClick={() => setStep("email")}
      >
        Send a new code, or use another email
      </Button>
    </EmailCodeForm>
  )
}
