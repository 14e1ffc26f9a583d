"use client"

import * as React from "react"
import { useQuery, useQueryClient } from "@tanstack/react-query"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import {
  addPasskey,
  listPasskeys,
  removePasskey,
  renamePasskey,
  type PasskeyItem,
} from "@/lib/auth/passkeys"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
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
import { RelativeTime } from "@/components/shared/relative-time"

import { FactorsNotLoaded, FactorSummary } from "./factor-list-parts"
import { RemoveFactorForm } from "./remove-factor-form"

const PASSKEYS_KEY = ["auth", "passkeys"] as const

function AddPasskey({ onAdded }: { onAdded: () => void }) {
  const { result, formAction, formRef } = useAction(addPasskey, {
    onSuccess: (passkey) => {
      toast.success(`${passkey.friendly_name ?? "Passkey"} is added.`)
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
        <FieldLabel>Passkey name</FieldLabel>
        <FieldControl>
          <Input
            name="name"
            maxLength={60}
            placeholder="Work laptop"
            defaultValue={
              result && !result.ok ? (result.values?.name ?? "") : ""
            }
          />
        </FieldControl>
        <FieldError />
      </Field>
      <SubmitButton pendingLabel="Waiting for the passkey…" variant="outline">
        Add a passkey
      </SubmitButton>
    </form>
  )
}

function RenamePasskey({
  passkey,
  name,
  onDone,
}: {
  passkey: PasskeyItem
  name: string
  onDone: () => void
}) {
  const { result, formAction, formRef } = useAction(renamePasskey, {
    onSuccess: onDone,
  })

  return (
    <form
      ref={formRef}
      action={formAction}
      className="flex flex-wrap items-end gap-3"
      noValidate
    >
      <input type="hidden" name="passkeyId" value={passkey.id} />
      <FormMessage tone="error" className="basis-full">
        {formMessage(result)}
      </FormMessage>
      <Field errors={fieldError(result, "name")} className="w-56">
        <FieldLabel>New name for {name}</FieldLabel>
        <FieldControl>
          <Input name="name" maxLength={60} defaultValue={name} autoFocus />
        </FieldControl>
        <FieldError />
      </Field>
      <SubmitButton pendingLabel="Saving…" variant="outline">
        Save name
      </SubmitButton>
    </form>
  )
}

function PasskeyRow({
  passkey,
  now,
  onChanged,
}: {
  passkey: PasskeyItem
  now: number
  onChanged: () => void
}) {
  const [renaming, setRenaming] = React.useState(false)
  const name = passkey.friendly_name || "Passkey"

  return (
    <li className="grid gap-3 px-4 py-3 text-sm">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <FactorSummary name={name} createdAt={passkey.created_at} now={now}>
          {" · "}
          {passkey.last_used_at ? (
            <>
              last used <RelativeTime date={passkey.last_used_at} now={now} />
            </>
          ) : (
            "not used yet"
          )}
        </FactorSummary>
        <span className="flex flex-wrap items-start gap-2">
          <Button
            type="button"
            variant="ghost"
            aria-expanded={renaming}
            aria-label={`Rename ${name}`}
            onClick={() => setRenaming((open) => !open)}
          >
            Rename
          </Button>
          <RemoveFactorForm
            action={removePasskey}
            idField="passkeyId"
            id={passkey.id}
            name={name}
            onRemoved={onChanged}
          />
        </span>
      </div>
      {renaming && (
        <RenamePasskey
          passkey={passkey}
          name={name}
          onDone={() => {
            setRenaming(false)
            onChanged()
          }}
        />
      )}
    </li>
  )
}

/**
 * Settings → Passkeys: the passkeys that sign in to this account (Supabase Auth's passkey
 * API), adding one with this device's authenticator, renaming and removing them. A passkey is
 * a way to sign in, not a second factor: an account with an authenticator app still enters
 * its code after a passkey sign-in.
 */
export function PasskeysCard({ now }: { now: number }) {
  const queryClient = useQueryClient()
  const passkeys = useQuery({ queryKey: PASSKEYS_KEY, queryFn: listPasskeys })
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: PASSKEYS_KEY })

  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Passkeys</h2>
        </CardTitle>
        <CardDescription>
          Sign in with your device&apos;s fingerprint, face or screen lock
          instead of a password. The passkey stays on the device.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {passkeys.isPending ? (
          <Skeleton className="h-9 w-64" />
        ) : passkeys.isError ? (
          <FactorsNotLoaded what="passkeys" onRetry={refresh} />
        ) : (
          <>
            {passkeys.data.length > 0 ? (
              <ul className="divide-y rounded-lg border" aria-label="Passkeys">
                {passkeys.data.map((passkey) => (
                  <PasskeyRow
                    key={passkey.id}
                    passkey={passkey}
                    now={now}
                    onChanged={refresh}
                  />
                ))}
              </ul>
            ) : (
              <p className="text-sm text-muted-foreground">No passkeys yet.</p>
            )}
            <AddPasskey onAdded={refresh} />
          </>
        )}
      </CardContent>
    </Card>
  )
}
