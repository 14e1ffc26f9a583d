"use client"

import { formMessage } from "@/lib/action-result"
import { signInWithPasskey } from "@/lib/auth/passkeys"
import { useAction } from "@/lib/use-action"
import { FormMessage } from "@/components/ui/form-message"
import { SubmitButton } from "@/components/auth/submit-button"

/**
 * "Sign in with a passkey": Supabase Auth's discoverable passkey sign-in, so no email is
 * asked; the browser offers the passkeys it holds for this site. Shown only when Auth reports
 * passkeys on (GET /settings passkeys_enabled).
 */
export function PasskeySignIn({ next }: { next: string }) {
  // onSuccess never runs (a success leaves the page); it makes failures render in the form.
  const { result, formAction, formRef } = useAction(signInWithPasskey, {
    onSuccess: () => {},
  })

  return (
    <form ref={formRef} action={formAction} className="grid gap-2" noValidate>
      <input type="hidden" name="next" value={next} />
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <SubmitButton
        variant="outline"
        className="w-full"
        pendingLabel="Waiting for your passkey…"
      >
        Sign in with a passkey
      </SubmitButton>
    </form>
  )
}
