"use client"

import * as React from "react"

import { StepUpContext, type RequestStepUp } from "@/lib/auth/step-up-context"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog"

// The form (and the zod schemas behind it) loads when the dialog first opens: this module is
// part of components/providers.tsx, whose zod setting (jitless, for the CSP) must run before
// any schema is built.
const StepUpForm = React.lazy(() =>
  import("./step-up-form").then(({ StepUpForm }) => ({ default: StepUpForm }))
)

/**
 * Lets any action in the tree ask for the second factor when the database refuses it for an
 * aal1 session (supabase/migrations/20261203024000_step_up_sensitive_writes.sql): one dialog,
 * however many actions ask; each waits for the same answer.
 */
export function StepUpProvider({ children }: { children: React.ReactNode }) {
  const [open, setOpen] = React.useState(false)
  const waiting = React.useRef<((passed: boolean) => void)[]>([])

  const settle = React.useCallback((passed: boolean) => {
    const resolvers = waiting.current
    waiting.current = []
    setOpen(false)
    for (const resolve of resolvers) resolve(passed)
  }, [])

  const request = React.useCallback<RequestStepUp>(
    () =>
      new Promise<boolean>((resolve) => {
        waiting.current.push(resolve)
        setOpen(true)
      }),
    []
  )

  return (
    <StepUpContext value={request}>
      {children}
      <Dialog open={open} onOpenChange={(next) => !next && settle(false)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Confirm it is you</DialogTitle>
            <DialogDescription>
              This change needs your second step: a code from your authenticator
              app, or your security key. It is asked once per sign-in.
            </DialogDescription>
          </DialogHeader>
          {open ? (
            <React.Suspense fallback={null}>
              <StepUpForm onPassed={() => settle(true)} />
            </React.Suspense>
          ) : null}
        </DialogContent>
      </Dialog>
    </StepUpContext>
  )
}
