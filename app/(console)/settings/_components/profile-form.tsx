"use client"

import * as React from "react"

import { updateProfile } from "@/lib/auth/actions"
import { IDLE } from "@/lib/auth/form-state"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { useFocusFirstError } from "@/components/auth/use-focus-first-error"

export function ProfileForm({ displayName }: { displayName: string }) {
  const [state, action] = React.useActionState(updateProfile, IDLE)
  const formRef = React.useRef<HTMLFormElement>(null)
  useFocusFirstError(formRef, state)

  return (
    <form
      ref={formRef}
      action={action}
      className="grid max-w-md gap-4"
      noValidate
    >
      <FormMessage tone={state.status === "error" ? "error" : "success"}>
        {state.message}
      </FormMessage>
      <FormField
        name="displayName"
        label="Display name"
        autoComplete="nickname"
        maxLength={80}
        required
        defaultValue={state.values?.displayName ?? displayName}
        errors={state.fieldErrors?.displayName}
        hint="Shown in the console and to people in your projects."
      />
      <div>
        <SubmitButton pendingLabel="Saving…">Save profile</SubmitButton>
      </div>
    </form>
  )
}
