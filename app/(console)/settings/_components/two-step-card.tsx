"use client"

import * as React from "react"
import { useQuery, useQueryClient } from "@tanstack/react-query"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import {
  confirmAuthenticator,
  listAuthenticatorApps,
  removeAuthenticator,
  startAuthenticatorSetup,
  type NewAuthenticator,
} from "@/lib/auth/mfa"
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

const APPS_KEY = ["auth", "authenticator-apps"] as const

function CodeField({
  result,
  label = "Code from the app",
}: {
  result: Parameters<typeof fieldError>[0]
  label?: string
}) {
  return (
    <Field errors={fieldError(result, "code")}>
      <FieldLabel>{label}</FieldLabel>
      <FieldControl>
        <Input
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          className="w-40 font-mono tracking-widest"
        />
      </FieldControl>
      <FieldError />
    </Field>
  )
}

/** Scanning the QR code (or typing the key), then proving it with a first code. */
function SetupSteps({
  setup,
  onDone,
}: {
  setup: NewAuthenticator
  onDone: () => void
}) {
  const { result, formAction, formRef } = useAction(confirmAuthenticator, {
    onSuccess: onDone,
  })

  return (
    <div className="grid gap-4 rounded-lg border p-4">
      <ol className="grid list-decimal gap-3 pl-5 text-sm">
        <li>
          Scan this code with your authenticator app (1Password, Google
          Authenticator, Authy…).
          {/* An SVG from Auth as a data URL: an img cannot run scripts. */}
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img
            src={setup.qrCode}
            alt="QR code for your authenticator app"
            className="mt-2 size-44 rounded bg-white p-2"
          />
        </li>
        <li>
          Or type this key into the app:{" "}
          <code className="rounded bg-muted px-1 font-mono text-xs break-all">
            {setup.secret}
          </code>
        </li>
        <li>Enter the code the app shows now.</li>
      </ol>
      <form ref={formRef} action={formAction} className="grid gap-3" noValidate>
        <FormMessage tone="error">{formMessage(result)}</FormMessage>
        <input type="hidden" name="factorId" value={setup.factorId} />
        <CodeField result={result} />
        <div>
          <SubmitButton pendingLabel="Checking…">Turn on</SubmitButton>
        </div>
      </form>
    </div>
  )
}

function AddApp({ onAdded }: { onAdded: () => void }) {
  const [setup, setSetup] = React.useState<NewAuthenticator | null>(null)
  const { result, formAction, formRef } = useAction(startAuthenticatorSetup, {
    onSuccess: (data) => setSetup(data),
  })

  if (setup) {
    return (
      <SetupSteps
        setup={setup}
        onDone={() => {
          setSetup(null)
          toast.success("Two-step sign-in is on.")
          onAdded()
        }}
      />
    )
  }

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
        <FieldLabel>App name</FieldLabel>
        <FieldControl>
          <Input name="name" maxLength={60} defaultValue="Phone" />
        </FieldControl>
        <FieldError />
      </Field>
      <SubmitButton pendingLabel="Preparing…" variant="outline">
        Set up an authenticator app
      </SubmitButton>
    </form>
  )
}

/**
 * Settings → Two-step sign-in: the authenticator apps on the account, setting one up and
 * removing one. With an app, every new sign-in asks for its code (/sign-in/verify).
 */
export function TwoStepCard({ now }: { now: number }) {
  const queryClient = useQueryClient()
  const apps = useQuery({ queryKey: APPS_KEY, queryFn: listAuthenticatorApps })
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: APPS_KEY })

  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Two-step sign-in</h2>
        </CardTitle>
        <CardDescription>
          With an authenticator app, signing in also asks for the 6-digit code
          it shows, so a stolen password alone opens nothing.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {apps.isPending ? (
          <Skeleton className="h-9 w-64" />
        ) : apps.isError ? (
          <FactorsNotLoaded what="authenticator apps" onRetry={refresh} />
        ) : (
          <>
            {apps.data.length > 0 ? (
              <ul
                className="divide-y rounded-lg border"
                aria-label="Authenticator apps"
              >
                {apps.data.map((app) => {
                  const name = app.friendly_name || "Authenticator app"
                  return (
                    <li
                      key={app.id}
                      className="flex flex-wrap items-end justify-between gap-3 px-4 py-3 text-sm"
                    >
                      <FactorSummary
                        name={name}
                        createdAt={app.created_at}
                        now={now}
                      />
                      <RemoveFactorForm
                        action={removeAuthenticator}
                        idField="factorId"
                        id={app.id}
                        name={name}
                        onRemoved={refresh}
                        proof={(result) =>
                          fieldError(result, "code") !== undefined && (
                            <CodeField
                              result={result}
                              label={`Current code from ${name}`}
                            />
                          )
                        }
                      />
                    </li>
                  )
                })}
              </ul>
            ) : (
              <p className="text-sm text-muted-foreground">
                No authenticator app. Without one or a security key, you sign in
                with your password or an email link alone.
              </p>
            )}
            {apps.data.length === 0 && <AddApp onAdded={refresh} />}
            {apps.data.length > 0 && (
              <p className="text-xs text-muted-foreground">
                Removing your last second step (an app or a security key) turns
                two-step sign-in off.
              </p>
            )}
          </>
        )}
      </CardContent>
    </Card>
  )
}
