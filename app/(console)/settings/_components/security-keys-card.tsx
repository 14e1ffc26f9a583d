"use client"

import { useQuery, useQueryClient } from "@tanstack/react-query"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import {
  addSecurityKey,
  listSecurityKeys,
  removeSecurityKey,
} from "@/lib/auth/security-keys"
import { useAction } from "@/lib/use-action"
import {
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
} from "@/components/ui/card"
import {
  Field,
  FieldControl,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"
import { Skeleton } from "@/components/ui/skeleton"
import { SubmitButton } from "@/components/auth/submit-button"

import { FactorsNotLoaded, FactorSummary } from "./factor-list-parts"
import { RemoveFactorForm } from "./remove-factor-form"

const SECURITY_KEYS_KEY = ["auth", "security-keys"] as const

function AddSecurityKey({ onAdded }: { onAdded: () => void }) {
  const { result, formAction, formRef } = useAction(addSecurityKey, {
    onSuccess: ({ name }) => {
      toast.success(`${name} is added. Signing in now asks for it.`)
      formRef.current?.reset()
      onAdded()
    },
  })

  return (
    <form
      ref={formRef}
      action={formAction}
      className="flex flex-wrap items-end gap-3"
      noValidate
    >
      <FormMessage tone="error" className="basis-full">
        {formMessage(result)}
      </FormMessage>
      <Field errors={fieldError(result, "name")} className="w-56">
        <FieldLabel>Key name</FieldLabel>
        <FieldControl>
          <Input
            name="name"
            maxLength={60}
            placeholder="Blue key"
            defaultValue={
              result && !result.ok ? (result.values?.name ?? "") : ""
            }
          />
        </FieldControl>
        <FieldError />
      </Field>
      <SubmitButton pendingLabel="Waiting for the key…" variant="outline">
        Add a security key
      </SubmitButton>
    </form>
  )
}

/**
 * Settings → Security keys: WebAuthn second factors (Supabase Auth's MFA API, factor type
 * webauthn), listed, added with the browser's key prompt and removed. A security key is asked
 * after the password, like an authenticator app's code; it does not sign in on its own, which
 * is what a passkey does (passkeys-card.tsx).
 */
export function SecurityKeysCard({ now }: { now: number }) {
  const queryClient = useQueryClient()
  const keys = useQuery({
    queryKey: SECURITY_KEYS_KEY,
    queryFn: listSecurityKeys,
  })
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: SECURITY_KEYS_KEY })

  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Security keys</h2>
        </CardTitle>
        <CardDescription>
          A USB or NFC key, or this device&apos;s screen lock, as the second
          step after your password, beside or instead of an authenticator app.
          Unlike a passkey, a security key does not sign you in on its own.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {keys.isPending ? (
          <Skeleton className="h-9 w-64" />
        ) : keys.isError ? (
          <FactorsNotLoaded what="security keys" onRetry={refresh} />
        ) : (
          <>
            {keys.data.length > 0 ? (
              <ul
                className="divide-y rounded-lg border"
                aria-label="Security keys"
              >
                {keys.data.map((key) => {
                  const name = key.friendly_name || "Security key"
                  return (
                    <li
                      key={key.id}
                      className="flex flex-wrap items-end justify-between gap-3 px-4 py-3 text-sm"
                    >
                      <FactorSummary
                        name={name}
                        createdAt={key.created_at}
                        now={now}
                      />
                      <RemoveFactorForm
                        action={removeSecurityKey}
                        idField="factorId"
                        id={key.id}
                        name={name}
                        removedMessage={`${name} is removed.`}
                        onRemoved={refresh}
                      />
                    </li>
                  )
                })}
              </ul>
            ) : (
              <p className="text-sm text-muted-foreground">
                No security keys yet.
              </p>
            )}
            <AddSecurityKey onAdded={refresh} />
            {keys.data.length > 0 && (
              <p className="text-xs text-muted-foreground">
                Removing your last second step asks for it one more time.
              </p>
            )}
          </>
        )}
      </CardContent>
    </Card>
  )
}
