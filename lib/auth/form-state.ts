import { type z } from "zod"

/** What a form's server action answers; `values` refill the fields after a failure. */
export type FormState = {
  status: "idle" | "error" | "success"
  /** Finished copy about the whole form (never an upstream error's message). */
  message?: string
  fieldErrors?: Record<string, string[] | undefined>
  values?: Record<string, string>
  /** The address an email went to, for the "check your inbox" step. */
  email?: string
}

export const IDLE: FormState = { status: "idle" }

export function invalid(
  error: z.ZodError,
  values: Record<string, string>
): FormState {
  const fieldErrors: Record<string, string[]> = {}
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form")
    ;(fieldErrors[key] ??= []).push(issue.message)
  }

  return { status: "error", fieldErrors, values: withoutSecrets(values) }
}

export function failed(
  message: string,
  values: Record<string, string> = {}
): FormState {
  return { status: "error", message, values: withoutSecrets(values) }
}

// Passwords are never sent back to the page.
function withoutSecrets(values: Record<string, string>) {
  const { password: _password, confirm: _confirm, ...rest } = values

  return rest
}
