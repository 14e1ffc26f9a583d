"use client"

import * as React from "react"

import { sendMagicLink, verifyEmailCode } from "@/lib/auth/actions"
import { IDLE, type FormState } from "@/lib/auth/form-state"
import { Button } from "@/components/ui/button"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { useFocusFirstError } from "@/components/auth/use-focus-first-error"

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
  const [email, setEmail] = React.useState("")
  const [linkState, sendLink] = React.useActionState(
    async (previous: FormState, formData: FormData) => {
      const result = await sendMagicLink(previous, formData)
      if (result.status === "success") {
        setEmail(result.email ?? "")
        setStep("code")
      }

      return result
    },
    IDLE
  )
  const [codeState, verifyCode] = React.useActionState(verifyEmailCode, IDLE)
  const emailFormRef = React.useRef<HTMLFormElement>(null)
  const codeFormRef = React.useRef<HTMLFormElement>(null)
  const codeInputRef = React.useRef<HTMLInputElement>(null)
  useFocusFirstError(emailFormRef, linkState)
  // A wrong or expired code is a form-level error, but the code is what to retype.
  useFocusFirstError(codeFormRef, codeState, codeInputRef)

  const sentTo = linkState.status === "success" ? linkState.email : undefined
  // Once the email is sent, the next thing to type is the code.
  React.useEffect(() => {
    if (step === "code" && sentTo) codeInputRef.current?.focus()
  }, [step, sentTo, linkState])

  if (step === "email") {
    return (
      <form
        ref={emailFormRef}
        action={sendLink}
        className="grid gap-4"
        noValidate
      >
        <FormMessage tone="error">{linkState.message}</FormMessage>
        <input type="hidden" name="next" value={next} />
        <FormField
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          defaultValue={linkState.values?.email ?? email}
          errors={linkState.fieldErrors?.email}
          hint="We'll email you a sign-in link and a 6-digit code. New here? This creates your account."
        />
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
    <form
      ref={codeFormRef}
      action={verifyCode}
      className="grid gap-4"
      noValidate
    >
      {sentTo ? (
        <FormMessage tone="success">
          Check your inbox: we sent a link and a 6-digit code to{" "}
          <strong className="font-medium">{sentTo}</strong>. Open the link, or
          enter the code here.
        </FormMessage>
      ) : null}
      <FormMessage tone="error">{codeState.message}</FormMessage>
      <input type="hidden" name="next" value={next} />
      <FormField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        errors={codeState.fieldErrors?.email}
      />
      <FormField
        ref={codeInputRef}
        name="code"
        label="6-digit code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={7}
        required
        errors={codeState.fieldErrors?.code}
        className="[&_input]:font-mono [&_input]:tracking-[0.3em]"
      />
      <SubmitButton className="w-full" pendingLabel="Checking…">
        Sign in with code
      </SubmitButton>
      <Button
        type="button"
        variant="link"
        className="h-auto p-0 text-muted-foreground"
        onClick={() => setStep("email")}
      >
        Send a new code, or use another email
      </Button>
    </form>
  )
}
