"use client"

import * as React from "react"

import { type FormState } from "@/lib/auth/form-state"

/**
 * After a failed submission, moves focus to the first invalid field (or, for a
 * form-level error, to `fallbackRef` or else the first field) so keyboard and
 * screen-reader users land where the problem is.
 */
export function useFocusFirstError(
  formRef: React.RefObject<HTMLFormElement | null>,
  state: FormState,
  fallbackRef?: React.RefObject<HTMLElement | null>
) {
  React.useEffect(() => {
    if (state.status !== "error") return
    const form = formRef.current
    if (!form) return
    const target =
      form.querySelector<HTMLElement>("[aria-invalid='true']") ??
      fallbackRef?.current ??
      form.querySelector<HTMLElement>("input:not([type='hidden'])")
    target?.focus()
  }, [formRef, state, fallbackRef])
}
