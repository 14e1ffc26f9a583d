"use client"

import * as React from "react"

import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { RelativeTime } from "@/components/shared/relative-time"

/** A second step's or passkey's name and age, as every list in Settings shows them. */
export function FactorSummary({
  name,
  createdAt,
  now,
  children,
}: {
  name: string
  createdAt: string
  now: number
  /** More about it after the age (a passkey's last use). */
  children?: React.ReactNode
}) {
  return (
    <span>
      <span className="font-medium">{name}</span>
      <span className="block text-xs text-muted-foreground">
        Added <RelativeTime date={createdAt} now={now} />
        {children}
      </span>
    </span>
  )
}

/** The list could not be read: say which, and offer to read it again. */
export function FactorsNotLoaded({
  what,
  onRetry,
}: {
  what: string
  onRetry: () => void
}) {
  return (
    <FormMessage tone="error">
      Your {what} could not be loaded.{" "}
      <Button variant="link" className="h-auto p-0" onClick={onRetry}>
        Try again
      </Button>
    </FormMessage>
  )
}
