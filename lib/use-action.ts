"use client"

import * as React from "react"
import { unstable_rethrow } from "next/navigation"

import { fail, type ActionResult } from "./action-result"
import { StepUpContext, type RequestStepUp } from "./auth/step-up-context"

const UNREACHABLE = "Could not reach the server. Try again."

/** What a form shows before its first submission: nothing. */
export type ActionState<TData, TReason extends string = never> = ActionResult<
  TData,
  TReason
> | null

/**
 * A server action in the shape React's `useActionState` calls it: the previous result, then
 * the payload (the FormData of a form, or the value given to `run`).
 */
export type ServerAction<TPayload, TData, TReason extends string = never> = (
  previous: ActionState<TData, TReason>,
  payload: TPayload
) => Promise<ActionResult<TData, TReason>>

type UseActionOptions<TPayload, TData> = {
  /**
   * Runs once the action succeeded, before the result renders: update the React Query cache
   * here (`setQueryData` with the domain's keys, then `invalidateQueries`), close a dialog,
   * toast. A form whose action needs no onSuccess keeps working before hydration.
   */
  onSuccess?: (data: TData, payload: TPayload) => void
  /** Where focus goes after a failure that names no field (default: the first field). */
  focusOnError?: React.RefObject<HTMLElement | null>
}

/**
 * Runs an action once, and once more after the person passed the second factor when the
 * database refused it for an aal1 session (lib/auth/step-up.ts): the dialog is asked for at
 * most once per submission, and a cancelled dialog leaves the refusal as the result.
 */
export async function runWithStepUp<TPayload, TData, TReason extends string>(
  action: ServerAction<TPayload, TData, TReason>,
  previous: ActionState<TData, TReason>,
  payload: TPayload,
  requestStepUp: RequestStepUp | null
): Promise<ActionResult<TData, TReason>> {
  const first = await action(previous, payload)
  if (first.ok || !first.stepUp || !requestStepUp) return first
  if (!(await requestStepUp())) return first

  return action(previous, payload)
}

/**
 * The one way a client component calls a server action (docs/actions-and-forms.md).
 * `formAction` goes on `<form action>`, `run(payload)` serves buttons; `result` is the last
 * answer, `isPending` is true while it is on its way. After a failure, focus moves to the
 * first invalid field of `formRef`'s form.
 */
export function useAction<TPayload, TData, TReason extends string = never>(
  action: ServerAction<TPayload, TData, TReason>,
  { onSuccess, focusOnError }: UseActionOptions<TPayload, TData> = {}
) {
  const requestStepUp = React.useContext(StepUpContext)
  const [result, formAction, isPending] = React.useActionState<
    ActionState<TData, TReason>,
    TPayload
  >(
    // The server action itself when nothing runs on success: React then renders a form that
    // posts without JavaScript (progressive enhancement), and a network failure reaches the
    // error boundary. With onSuccess it becomes a failure result the form shows.
    onSuccess
      ? async (previous, payload) => {
          let next: ActionResult<TData, TReason>
          try {
            // The database refused a sensitive write because this session owes its second
            // factor (lib/auth/step-up.ts): ask for it, then run the same action once more.
            next = await runWithStepUp(action, previous, payload, requestStepUp)
          } catch (error) {
            // A redirect from the action arrives as a thrown error: let Next handle it.
            unstable_rethrow(error)
            return fail(UNREACHABLE)
          }
          if (next.ok) onSuccess(next.data, payload)

          return next
        }
      : action,
    null
  )
  const formRef = React.useRef<HTMLFormElement>(null)

  React.useEffect(() => {
    if (!result || result.ok) return
    const form = formRef.current
    const target =
      form?.querySelector<HTMLElement>("[aria-invalid='true']") ??
      focusOnError?.current ??
      form?.querySelector<HTMLElement>(
        "input:not([type='hidden']), textarea, select"
      )
    target?.focus()
  }, [result, focusOnError])

  const run = React.useCallback(
    (payload: TPayload) => React.startTransition(() => formAction(payload)),
    [formAction]
  )

  return { result, formAction, run, isPending, formRef }
}
