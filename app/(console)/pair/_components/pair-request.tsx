"use client"

import * as React from "react"
import Link from "next/link"
import { useQueryClient } from "@tanstack/react-query"
import { CheckCircle2, TriangleAlert, XCircle } from "lucide-react"

import { fieldError, formMessage } from "@/lib/action-result"
import { formatRole } from "@/lib/devices/format"
import { deviceKeys } from "@/lib/devices/query-options"
import { approvePairing, denyPairing } from "@/lib/pairing/actions"
import { type PairingRequest } from "@/lib/pairing/schema"
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
import { RelativeTime } from "@/components/shared/relative-time"
import { useServerNow } from "@/components/shared/use-server-now"

import { PairMiss } from "./pair-miss"

type PairRequestProps = {
  code: string
  request: PairingRequest
  accountEmail: string
  serverNow: string
}

function Row({
  label,
  children,
}: {
  label: string
  children: React.ReactNode
}) {
  return (
    <div className="grid gap-0.5 sm:grid-cols-[10rem_1fr] sm:gap-3">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 wrap-anywhere">{children}</dd>
    </div>
  )
}

const notReported = <span className="text-muted-foreground">not reported</span>

export function PairRequest({
  code,
  request,
  accountEmail,
  serverNow,
}: PairRequestProps) {
  const queryClient = useQueryClient()
  const now = useServerNow(serverNow, 1_000)
  const [decision, setDecision] = React.useState<"approve" | "deny">()
  // Either decision adds or changes a row the devices pages show.
  const onSuccess = () =>
    void queryClient.invalidateQueries({ queryKey: deviceKeys.all })
  const {
    result: approveResult,
    run: runApprove,
    isPending: isApproving,
    formRef,
  } = useAction(approvePairing, { onSuccess })
  const {
    result: denyResult,
    run: runDeny,
    isPending: isDenying,
  } = useAction(denyPairing, { onSuccess })
  const result =
    decision === "deny" ? denyResult : decision ? approveResult : null
  const isPending = isApproving || isDenying
  const headingRef = React.useRef<HTMLHeadingElement>(null)

  React.useEffect(() => {
    if (result?.ok) headingRef.current?.focus()
  }, [result])

  const handleApprove = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const name = String(
      new FormData(event.currentTarget).get("name") ?? ""
    ).trim()
    setDecision("approve")
    runApprove({
      code,
      name: name === request.device_name ? undefined : name,
    })
  }

  const handleDeny = () => {
    setDecision("deny")
    runDeny({ code })
  }

  if (result?.ok && result.data.status === "approved") {
    return (
      <section
        aria-labelledby="pair-done"
        className="flex gap-4 rounded-xl border border-emerald-500/40 p-5"
      >
        <CheckCircle2
          className="mt-0.5 size-6 shrink-0 text-emerald-600 dark:text-emerald-400"
          aria-hidden="true"
        />
        <div className="space-y-2">
          <h2
            id="pair-done"
            ref={headingRef}
            tabIndex={-1}
            className="text-lg font-semibold outline-none"
          >
            Device approved
          </h2>
          <p className="text-sm">
            It is now paired to{" "}
            <strong className="font-medium">{accountEmail}</strong>. The device
            receives its credentials on its next check, within a few seconds,
            and prints the account it was paired to.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button asChild>
              <Link href={`/devices/${result.data.deviceId}`}>
                View the device
              </Link>
            </Button>
            <Button asChild variant="outline">
              <Link href="/devices">All devices</Link>
            </Button>
          </div>
        </div>
      </section>
    )
  }
  if (result?.ok && result.data.status === "denied") {
    return (
      <section
        aria-labelledby="pair-done"
        className="flex gap-4 rounded-xl border p-5"
      >
        <XCircle
          className="mt-0.5 size-6 shrink-0 text-muted-foreground"
          aria-hidden="true"
        />
        <div className="space-y-2">
          <h2
            id="pair-done"
            ref={headingRef}
            tabIndex={-1}
            className="text-lg font-semibold outline-none"
          >
            Request denied
          </h2>
          <p className="text-sm">
            {request.device_name} was not paired, and the device is told so on
            its next check.
          </p>
          <Button asChild variant="outline">
            <Link href="/devices">Back to devices</Link>
          </Button>
        </div>
      </section>
    )
  }
  if (result && !result.ok && result.reason) {
    return <PairMiss status={result.reason} code={code} />
  }
  if (now >= Date.parse(request.expires_at)) {
    return <PairMiss status="expired" code={code} />
  }

  return (
    <section
      aria-labelledby="pair-request-title"
      className="space-y-5 rounded-xl border p-5"
    >
      <div className="space-y-1">
        <h2 id="pair-request-title" className="text-lg font-semibold">
          A device is asking to join your account
        </h2>
        <p className="text-sm text-muted-foreground">
          Code <span className="font-mono text-foreground">{code}</span> ·
          expires{" "}
          <RelativeTime date={request.expires_at} now={now} allowFuture />
        </p>
      </div>

      <div
        role="note"
        className="flex gap-3 rounded-lg border border-amber-500/50 bg-amber-500/10 p-4 text-sm"
      >
        <TriangleAlert
          className="mt-0.5 size-5 shrink-0 text-amber-600 dark:text-amber-400"
          aria-hidden="true"
        />
        <p>
          <strong className="font-semibold">
            Approve only a request you started on your own machine just now.
          </strong>{" "}
          If someone sent you this code or link, deny it: an approved device can
          sync chats into and read from{" "}
          <strong className="font-medium">{accountEmail}</strong>.
        </p>
      </div>

      <dl className="grid gap-2 text-sm" aria-label="What is asking">
        <Row label="Name">{request.device_name}</Row>
        <Row label="Role">{formatRole(request.device_role)}</Row>
        <Row label="Hostname">{request.hostname ?? notReported}</Row>
        <Row label="Platform">{request.platform ?? notReported}</Row>
        <Row label="App version">{request.app_version ?? notReported}</Row>
        <Row label="Asked">
          <RelativeTime date={request.created_at} now={now} />
        </Row>
        <Row label="From address">
          {request.requested_ip ? (
            <span className="font-mono">{request.requested_ip}</span>
          ) : (
            notReported
          )}
        </Row>
      </dl>

      <form
        ref={formRef}
        onSubmit={handleApprove}
        className="grid gap-4"
        noValidate
      >
        <Field errors={fieldError(result, "name")} className="max-w-sm">
          <FieldLabel>Name on this console</FieldLabel>
          <FieldControl>
            <Input
              name="name"
              defaultValue={request.device_name}
              maxLength={80}
              autoComplete="off"
            />
          </FieldControl>
          <FieldDescription>
            Optional: rename it now, or later from its page.
          </FieldDescription>
          <FieldError />
        </Field>
        <FormMessage tone="error">
          {result && !result.ok && !fieldError(result, "name")
            ? (formMessage(result) ??
              "That code could not be read. Go back and enter it again.")
            : null}
        </FormMessage>
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={isPending}>
            {isPending && decision === "approve"
              ? "Approving…"
              : "Approve and pair"}
          </Button>
          <Button
            type="button"
            variant="outline"
            className="text-destructive"
            disabled={isPending}
            onClick={handleDeny}
          >
            {isPending && decision === "deny" ? "Denying…" : "Deny"}
          </Button>
        </div>
      </form>
    </section>
  )
}
