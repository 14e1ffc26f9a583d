"use client"

import { formMessage } from "@/lib/action-result"
import { verifySecondFactorWithKey } from "@/lib/auth/security-keys"
import { useAction } from "@/lib/use-action"
import { FormMessage } from "@/components/ui/form-message"
import { SubmitButton } from "@/components/auth/submit-button"

/**
 * The second sign-in step with a security key (a WebAuthn MFA factor): the browser asks for
 * one of the account's keys, and Auth raises the session to aal2.
 */
export function SecurityKeyStep({
  next,
  primary,
}: {
  next: string
  /** The only way offered (no authenticator app), so the main button. */
  primary: boolean
}) {
  // onSuccess never runs (a success leaves the page); it makes failures render in the form.
  const { result, formAction, formRef } = useAction(verifySecondFactorWithKey, {
    onSuccess: () => {},
  })

  return (
    <form ref={formRef} action={formAction} className="grid gap-2" noValidate>
      <input type="hidden" name="next" value={next} />
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <SubmitButton
        variant={primary ? "default" : "outline"}
        className="w-full"
        pendingLabel="Waiting for your security key…"
      >
        Use your security key
      </SubmitButton>
    </form>
  )
}
