"use client"

import * as React from "react"

import { cn } from "@/lib/utils"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"

type FormFieldProps = React.ComponentProps<typeof Input> & {
  name: string
  label: string
  /** Help shown under the field while it has no error. */
  hint?: React.ReactNode
  errors?: string[] | undefined
  /** Sits on the label's row, right-aligned (e.g. "Forgot password?"). */
  labelAction?: React.ReactNode
}

/** A labelled input whose hint and errors are tied to it with aria-describedby. */
export function FormField({
  name,
  label,
  hint,
  errors,
  labelAction,
  className,
  id,
  ...props
}: FormFieldProps) {
  const generatedId = React.useId()
  const inputId = id ?? `${generatedId}-${name}`
  const hintId = `${inputId}-hint`
  const errorId = `${inputId}-error`
  const hasError = Boolean(errors && errors.length > 0)
  const describedBy =
    [hasError ? errorId : undefined, hint ? hintId : undefined]
      .filter(Boolean)
      .join(" ") || undefined

  return (
    <div className={cn("grid gap-2", className)}>
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={inputId}>{label}</Label>
        {labelAction}
      </div>
      <Input
        id={inputId}
        name={name}
        aria-invalid={hasError || undefined}
        aria-describedby={describedBy}
        {...props}
      />
      {hint ? (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      {hasError ? (
        <p id={errorId} className="text-sm text-destructive">
          {errors!.join(" ")}
        </p>
      ) : null}
    </div>
  )
}
