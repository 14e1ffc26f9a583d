"use client"

import * as React from "react"
import { TriangleExclamationPoint } from "lucide-react"

import { Button } from "@/components/ui/button"

export default function RunsError({
  error,
  retry,
}: {
  error: unknown
  retry: () => void
}) {
  React.useEffect(() => {
    console.error(error)
  }, [error])

  // Server errors reach the browser with their message stripped; the digest is
  // what matches them to the server log.
  const digest =
    error instanceof Error &&
    "digest" in error &&
    typeof error.digest === "string"
      ? error.digest
      : undefined

  return (
    <section
      role="alert"
      className="flex flex-col items-center justify-center gap-4 rounded-xl border border-destructive/30 px-6 py-16 text-center"
    >
      <div className="flex size-12 items-center justify-center rounded-full bg-destructive/10">
        <TriangleExclamationPoint
          className="size-6 text-destructive"
          aria-hidden="true"
        />
      </div>
      <div className="max-w-md space-y-1">
        <h2 className="text-lg font-semibold">Could not load runs</h2>
        <p className="text-sm text-muted-foreground">
          The console could not read your runs just now. Try again; if it keeps
          happening, the database may be unavailable.
        </p>
        {digest && (
          <p className="font-mono text-xs text-muted-foreground">
            Error reference: {digest}
          </p>
        )}
      </div>
      <Button onClick={() => retry()}>Try again</Button>
    </section>
  )
}
