"use client"

import * as React from "react"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { updateProfile } from "@/lib/auth/actions"
import { useAction } from "@/lib/use-action"
import {
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"
import { SubmitButton } from "@/components/auth/submit-button"

export function ProfileForm({ displayName }: { displayName: string }) {
  const { result, formAction, formRef } = useAction(updateProfile)

  return (
    <form
      ref={formRef}
      action={formAction}
      className="grid max-w-md gap-4"
      noValidate
    >
      {result?.ok ? (
        <FormMessage tone="success">Profile saved.</FormMessage>
      ) : (
        <FormMessage tone="error">{formMessage(result)}</FormMessage>
      )}
      <Field errors={fieldError(result, "displayName")}>
        <FieldLabel>Display name</FieldLabel>
        <FieldControl>
          <Input
            name="displayName"
            autoComplete="nickname"
            maxLength={80}
            required
            defaultValue={
              result?.ok
                ? result.data.displayName
                : (failedValue(result, "displayName") ?? displayName)
            }
          />
        </FieldControl>
        <FieldDescription>
          Shown in the console and to people in your projects.
        </FieldDescription>
        <FieldError />
      </Field>
      <div>
        <SubmitButton pendingLabel="Saving…">Save profile</SubmitButton>
      </div>
    </form>
  )
}
