"use client"

import * as React from "react"
import { useRouter } from "next/navigation"

import {
  formatUserCode,
  isCompleteUserCode,
  userCodeFromPaste,
} from "@/lib/pairing/user-code"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"

/**
 * Typing or pasting a code only looks the request up; approving is always a separate click
 * on the next screen.
 */
export function PairCodeForm({
  initialCode = "",
  error,
  autoFocus = true,
  className,
  ...props
}: Omit<React.ComponentProps<"form">, "onSubmit"> & {
  initialCode?: string
  error?: string
  autoFocus?: boolean
}) {
  const router = useRouter()
  const [code, setCode] = React.useState(() => formatUserCode(initialCode))
  const [problem, setProblem] = React.useState(error)
  const [isPending, startTransition] = React.useTransition()
  const inputId = React.useId()

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (!isCompleteUserCode(code)) {
      setProblem("Enter all 8 letters of the code, like BCDF-GHJK.")
      return
    }
    setProblem(undefined)
    startTransition(() => router.push(`/pair?code=${encodeURIComponent(code)}`))
  }

  return (
    <form
      onSubmit={handleSubmit}
      noValidate
      className={cn("grid max-w-sm gap-3", className)}
      {...props}
    >
      <div className="grid gap-2">
        <Label htmlFor={inputId}>Pairing code</Label>
        <Input
          id={inputId}
          name="code"
          value={code}
          onChange={(event) => setCode(formatUserCode(event.target.value))}
          onPaste={(event) => {
            event.preventDefault()
            setCode(userCodeFromPaste(event.clipboardData.getData("text")))
          }}
          placeholder="BCDF-GHJK"
          autoComplete="off"
          autoCapitalize="characters"
          autoCorrect="off"
          spellCheck={false}
          maxLength={9}
          autoFocus={autoFocus}
          className="h-12 max-w-56 text-center font-mono text-2xl tracking-[0.2em] uppercase md:text-2xl"
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${inputId}-hint${problem ? ` ${inputId}-error` : ""}`}
        />
        <p id={`${inputId}-hint`} className="text-sm text-muted-foreground">
          The 8 letters your device printed. You can paste the code or the whole
          link.
        </p>
        {problem ? (
          <p
            id={`${inputId}-error`}
            role="alert"
            className="text-sm text-destructive"
          >
            {problem}
          </p>
        ) : null}
      </div>
      <Button type="submit" className="w-fit" disabled={isPending}>
        {isPending ? "Looking up…" : "Continue"}
      </Button>
    </form>
  )
}
