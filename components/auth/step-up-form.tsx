"use client"

import * as React from "react"
import { useQuery } from "@tanstack/react-query"
import { LoaderCircle } from "lucide-react"

import {
  fail,
  fieldError,
  formMessage,
  type ActionResult,
} from "@/lib/action-result"
import { listSecondFactors, passStepUp } from "@/lib/auth/mfa"
import { passStepUpWithKey } from "@/lib/auth/security-keys"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { AuthenticatorCodeField } from "@/components/auth/authenticator-code-field"

/**
 * The step-up form inside StepUpProvider's dialog (step-up-dialog.tsx): a code from the
 * authenticator app, or the security key, whichever the account has (the person picks when it
 * has both; the code field shows while the factors load or could not be listed).
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
  const [pending, setPending] = React.useState<"code" | "key" | null>(null)
  const factors = useQuery({
    queryKey: ["auth", "second-factors"],
    queryFn: listSecondFactors,
  })
  const hasApp = !factors.data || factors.data.apps.length > 0
  const hasKey = (factors.data?.keys.length ?? 0) > 0

  async function pass(
    way: "code" | "key",
    attempt: () => Promise<ActionResult>
  ) {
    if (pending) return
    setPending(way)
    let next: ActionResult
    try {
      next = await attempt()
    } catch {
      next = fail("Could not reach the server. Try again.")
    }
    setPending(null)
    setResult(next)
    if (next.ok) onPassed()
    else if (way === "code") codeRef.current?.focus()
  }

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const formData = new FormData(event.currentTarget)
    void pass("code", () => passStepUp(null, formData))
  }

  return (
    <div className="grid gap-4">
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      {hasApp ? (
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <AuthenticatorCodeField
            errors={fieldError(result, "code")}
            inputRef={codeRef}
          />
          <Button
            type="submit"
            disabled={pending !== null}
            aria-disabled={pending !== null}
          >
            {pending === "code" ? (
              <>
                <LoaderCircle aria-hidden="true" className="animate-spin" />
                Checking…
              </>
            ) : (
              "Confirm and continue"
            )}
          </Button>
        </form>
      ) : null}
      {hasKey ? (
        <Button
          type="button"
          variant={hasApp ? "outline" : "default"}
          disabled={pending !== null}
          aria-disabled={pending !== null}
          onClick={() => void pass("key", passStepUpWithKey)}
        >
          {pending === "key" ? (
            <>
              <LoaderCircle aria-hidden="true" className="animate-spin" />
              Waiting for your security key…
            </>
          ) : (
            "Use your security key"
          )}
        </Button>
      ) : null}
    </div>
  )
}
