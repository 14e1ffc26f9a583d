import { z } from "zod"

/** Problems per field, as zod's `flattenError` names them: the first message is shown. */
export type FieldErrors = Record<string, string[] | undefined>

/**
 * What every server action answers. Failures the person can fix are results, not throws:
 * `errors` go next to their fields, `message` above the form, `values` refill a form that
 * React reset after its action (never a password). `reason` is a machine-readable cause for
 * the component to branch on (a pairing code that expired, say). Throw only for bugs.
 */
export type ActionResult<TData = null, TReason extends string = never> =
  { ok: true; data: TData } | ActionFailure<TReason>

export type ActionFailure<TReason extends string = never> = {
  ok: false
  /** Finished copy about the whole form (never an upstream error's message). */
  message?: string
  errors?: FieldErrors
  values?: Record<string, string>
  reason?: TReason
  /**
   * The database refused because this session owes its second factor (aal2, lib/auth/step-up.ts):
   * useAction asks for a code and runs the action again.
   */
  stepUp?: true
}

// Fields that are never sent back to the page, whatever the form.
const SECRET_FIELDS = new Set(["password", "confirm", "code"])

export function ok<TData>(data: TData): { ok: true; data: TData } {
  return { ok: true, data }
}

export function fail<TReason extends string = never>(
  message: string | undefined,
  extra: Omit<ActionFailure<TReason>, "ok" | "message"> = {}
): ActionFailure<TReason> {
  const failure: ActionFailure<TReason> = { ok: false, ...extra }
  if (message !== undefined) failure.message = message
  if (extra.values) failure.values = withoutSecrets(extra.values)

  return failure
}

/** A zod failure as field errors; `values` (without secrets) refill the form. */
export function invalid(
  error: z.ZodError,
  values?: Record<string, string>
): ActionFailure {
  const { formErrors, fieldErrors } = z.flattenError(error)

  return fail(formErrors[0], {
    errors: fieldErrors as FieldErrors,
    ...(values ? { values } : {}),
  })
}

/** The first problem with a field, or undefined. */
export function fieldError(
  result: ActionResult<unknown, string> | null | undefined,
  name: string
): string | undefined {
  return result && !result.ok ? result.errors?.[name]?.[0] : undefined
}

/** The value a field had when its form failed, to refill it (secrets are never sent back). */
export function failedValue(
  result: ActionResult<unknown, string> | null | undefined,
  name: string
): string | undefined {
  return result && !result.ok ? result.values?.[name] : undefined
}

/** Form fields as plain strings; absent fields stay undefined for zod to name. */
export function formFields(formData: FormData): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [key, value] of formData) {
    if (typeof value === "string") fields[key] = value
  }

  return fields
}

function withoutSecrets(values: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(values).filter(([key]) => !SECRET_FIELDS.has(key))
  )
}

/** What a failure says about the whole form (above its fields), or undefined. */
export function formMessage(
  result: ActionResult<unknown, string> | null | undefined
): string | undefined {
  return result && !result.ok ? result.message : undefined
}
