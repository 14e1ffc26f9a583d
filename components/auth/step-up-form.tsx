"use client"

import * as React from "react"
import { LoaderCircle } from "lucide-react"

import {
  fail,
  fieldError,
  formMessage,
  type ActionResult,
} from "@/lib/action-result"
import { passStepUp } from "@/lib/auth/mfa"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { AuthenticatorCodeField } from "@/components/auth/authenticator-code-field"

/**
 * The step-up code form inside StepUpProvider's dialog (step-up-dialog.tsx).
 *
 * Not a form action through useAction, unlike every other form: the dialog opens while the
 * refused action is still pending in its transition, and React holds back every transition
 * update started meanwhile until that async action ends. A form action here would stay
 * "Checking…" after a wrong code, with its error never shown, because the refused action is
 * waiting for this very form (e2e/step-up.spec.ts caught it). Plain state updates from the
 * submit handler render at once.
 */
export function StepUpForm({ onPassed }: { onPassed: () => void }) {
  const codeRef = React.useRef<HTMLInputElement>(null)
  const [result, setResult] = React.useState<ActionResult | null>(null)
  const [pending, setPending] = React.useState(false)

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (pending) return
    setPending(true)
    let next: ActionResult
    try {
      next = await passStepUp(null, new FormData(event.currentTarget))
    } catch {
      next = fail("Could not reach the server. Try again.")
    }
    setPending(false)
    setResult(next)
    if (next.ok) onPassed()
    else codeRef.current?.focus()
  }

  return (
    <form onSubmit={submit} className="grid gap-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <AuthenticatorCodeField
        errors={fieldError(result, "code")}
        inputRef={codeRef}
      />
      <Button type="submit" disabled={pending} aria-disabled={pending}>
        {pending ? (
          <>
            <LoaderCircle aria-hidden="true" className="animate-spin" />
            Checking…
          </>
        ) : (
          "Confirm and continue"
        )}
      </Button>
    </form>
  )
}
