"use client"

import * as React from "react"
import { useRouter } from "next/navigation"

import {
  charactersOutsideUserCode,
  INCOMPLETE_USER_CODE,
  outsideUserCodeMessage,
} from "@/lib/pairing/schema"
import {
  formatUserCode,
  isCompleteUserCode,
  userCodeFromPaste,
} from "@/lib/pairing/user-code"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import {
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { Input } from "@/components/ui/input"

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
  // Characters the input dropped since the last submit: no code holds them, and the person
  // who typed them should hear why the code came out short.
  const [dropped, setDropped] = React.useState<string[]>([])
  const [isPending, startTransition] = React.useTransition()

  const take = (typed: string, formatted: string) => {
    const outside = charactersOutsideUserCode(typed)
    setCode(formatted)
    if (formatted === "") setDropped([])
    if (outside.length === 0) return
    const all = [...new Set([...dropped, ...outside])]
    setDropped(all)
    setProblem(outsideUserCodeMessage(all))
  }

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (!isCompleteUserCode(code)) {
      setProblem(
        dropped.length > 0
          ? outsideUserCodeMessage(dropped)
          : INCOMPLETE_USER_CODE
      )
      return
    }
    setProblem(undefined)
    setDropped([])
    startTransition(() => router.push(`/pair?code=${encodeURIComponent(code)}`))
  }

  return (
    <form
      onSubmit={handleSubmit}
      noValidate
      className={cn("grid max-w-sm gap-3", className)}
      {...props}
    >
      <Field errors={problem}>
        <FieldLabel>Pairing code</FieldLabel>
        <FieldControl>
          <Input
            name="code"
            value={code}
            onChange={(event) =>
              take(event.target.value, formatUserCode(event.target.value))
            }
            onPaste={(event) => {
              event.preventDefault()
              const pasted = event.clipboardData.getData("text")
              // A pasted link's letters are not the code's; only a pasted code is checked.
              take(
                pasted.includes("code=") ? "" : pasted,
                userCodeFromPaste(pasted)
              )
            }}
            placeholder="BCDF-GHJK"
            autoComplete="off"
            autoCapitalize="characters"
            autoCorrect="off"
            spellCheck={false}
            maxLength={9}
            autoFocus={autoFocus}
            className="h-12 max-w-56 text-center font-mono text-2xl tracking-[0.2em] uppercase md:text-2xl"
          />
        </FieldControl>
        <FieldDescription className="text-sm">
          The 8 letters your device printed, consonants only. You can paste the
          code or the whole link.
        </FieldDescription>
        <FieldError role="alert" />
      </Field>
      <Button type="submit" className="w-fit" disabled={isPending}>
        {isPending ? "Looking up…" : "Continue"}
      </Button>
    </form>
  )
}
