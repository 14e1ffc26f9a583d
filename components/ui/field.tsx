"use client"

import * as React from "react"
import { Slot } from "radix-ui"

import { cn } from "@/lib/utils"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"

type FieldContextValue = {
  controlId: string
  descriptionId: string
  errorId: string
  /** The messages FieldError shows; the control is aria-invalid while there is one. */
  errors: string[]
  hasDescription: boolean
  setHasDescription: (value: boolean) => void
}

const FieldContext = React.createContext<FieldContextValue | null>(null)

function useField(part: string) {
  const field = React.useContext(FieldContext)
  if (!field) throw new Error(`<${part}> must be used inside <Field>`)

  return field
}

type FieldProps = React.ComponentProps<"div"> & {
  /** A server action's errors for this field (`result.errors.name`), or one message. */
  errors?: string[] | string | undefined
  /** Horizontal puts the control before its label, as for a checkbox. */
  orientation?: "vertical" | "horizontal"
}

/**
 * One form field: label, control, description and error, with the ids tied together so the
 * control is labelled, described and marked invalid without any wiring at the call site.
 */
function Field({
  errors,
  orientation = "vertical",
  className,
  id,
  ...props
}: FieldProps) {
  const generatedId = React.useId()
  const controlId = id ?? generatedId
  const [hasDescription, setHasDescription] = React.useState(false)
  const list = React.useMemo(
    () => (errors === undefined ? [] : [errors].flat().filter(Boolean)),
    [errors]
  )
  const value = React.useMemo(
    () => ({
      controlId,
      descriptionId: `${controlId}-description`,
      errorId: `${controlId}-error`,
      errors: list,
      hasDescription,
      setHasDescription,
    }),
    [controlId, list, hasDescription]
  )

  return (
    <FieldContext.Provider value={value}>
      <div
        data-slot="field"
        data-orientation={orientation}
        data-invalid={list.length > 0 || undefined}
        className={cn(
          "group/field flex w-full gap-2",
          orientation === "vertical"
            ? "flex-col"
            : "flex-row flex-wrap items-center",
          className
        )}
        {...props}
      />
    </FieldContext.Provider>
  )
}

function FieldLabel({
  className,
  ...props
}: React.ComponentProps<typeof Label>) {
  const { controlId } = useField("FieldLabel")

  return (
    <Label
      data-slot="field-label"
      htmlFor={controlId}
      className={cn(
        "group-data-[invalid=true]/field:text-destructive",
        className
      )}
      {...props}
    />
  )
}

/** Wraps the one control (Input, Textarea, a native checkbox) and gives it the field's ids. */
function FieldControl(props: React.ComponentProps<typeof Slot.Root>) {
  const { controlId, descriptionId, errorId, errors, hasDescription } =
    useField("FieldControl")
  const invalid = errors.length > 0
  const describedBy =
    [invalid ? errorId : undefined, hasDescription ? descriptionId : undefined]
      .filter(Boolean)
      .join(" ") || undefined

  return (
    <Slot.Root
      data-slot="field-control"
      id={controlId}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      {...props}
    />
  )
}

function FieldDescription({ className, ...props }: React.ComponentProps<"p">) {
  const { descriptionId, setHasDescription } = useField("FieldDescription")
  // The control points at this text only while it is on the page.
  React.useLayoutEffect(() => {
    setHasDescription(true)

    return () => setHasDescription(false)
  }, [setHasDescription])

  return (
    <p
      data-slot="field-description"
      id={descriptionId}
      className={cn("text-xs text-muted-foreground", className)}
      {...props}
    />
  )
}

/** The field's first error (or its children); nothing while the field is valid. */
function FieldError({
  className,
  children,
  ...props
}: React.ComponentProps<"p">) {
  const { errorId, errors } = useField("FieldError")
  if (errors.length === 0) return null

  return (
    <p
      data-slot="field-error"
      id={errorId}
      className={cn("text-sm text-destructive", className)}
      {...props}
    >
      {children ?? errors[0]}
    </p>
  )
}

type DecimalFieldProps = Omit<React.ComponentProps<"input">, "children"> & {
  label: React.ReactNode
  description?: React.ReactNode
  errors?: FieldProps["errors"]
  /** Classes for the field (the input's own go in inputClassName). */
  className?: string
  inputClassName?: string
}

/**
 * A labelled box for an amount (prices, watts, budgets): a decimal keypad on phones, its
 * description and its error tied to it. The value stays text; the action's zod schema parses it.
 */
function DecimalField({
  label,
  description,
  errors,
  className,
  inputClassName,
  inputMode = "decimal",
  ...input
}: DecimalFieldProps) {
  return (
    <Field errors={errors} className={className}>
      <FieldLabel>{label}</FieldLabel>
      <FieldControl>
        <Input inputMode={inputMode} className={inputClassName} {...input} />
      </FieldControl>
      {description ? <FieldDescription>{description}</FieldDescription> : null}
      <FieldError />
    </Field>
  )
}

export {
  DecimalField,
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
}
