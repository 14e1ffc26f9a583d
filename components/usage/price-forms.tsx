"use client"

import * as React from "react"
import { useRouter } from "next/navigation"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import {
  deleteModelPrice,
  saveBudget,
  saveModelPrice,
  saveModelReference,
} from "@/lib/usage/actions"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
import {
  DecimalField,
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"

import { RepricingStatus } from "./repricing-status"

/** The user's own price for a model, from a date; the database re-prices from that date. */
export function ModelPriceForm({ models }: { models: string[] }) {
  const router = useRouter()
  const [from, setFrom] = React.useState("")
  const { result, formAction, isPending, formRef } = useAction(saveModelPrice, {
    onSuccess: (data) => {
      toast.success(
        `Your price for ${data.model} is saved; its messages are re-priced`
      )
      router.refresh()
    },
  })

  return (
    <form
      ref={formRef}
      action={formAction}
      className="grid gap-3"
      noValidate
      aria-busy={isPending}
    >
      <div className="grid gap-3 sm:grid-cols-5">
        <Field errors={fieldError(result, "model")} className="sm:col-span-2">
          <FieldLabel>Model</FieldLabel>
          <FieldControl>
            <Input name="model" list="price-models" autoComplete="off" />
          </FieldControl>
          <datalist id="price-models">
            {models.map((model) => (
              <option key={model} value={model} />
            ))}
          </datalist>
          <FieldError />
        </Field>
        <DecimalField
          name="input_per_mtok"
          label="Input $/M"
          errors={fieldError(result, "input_per_mtok")}
        />
        <DecimalField
          name="output_per_mtok"
          label="Output $/M"
          errors={fieldError(result, "output_per_mtok")}
        />
        <DecimalField
          name="cached_per_mtok"
          label="Cached input $/M"
          errors={fieldError(result, "cached_per_mtok")}
          defaultValue="0"
        />
      </div>
      <Field errors={fieldError(result, "effective_from")}>
        <FieldLabel>Takes effect on</FieldLabel>
        <FieldControl>
          <Input
            name="effective_from"
            type="date"
            className="w-44"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </FieldControl>
        <FieldDescription>
          From midnight UTC that day; messages from then on are re-priced.
        </FieldDescription>
        <FieldError />
      </Field>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      {isPending ? (
        <RepricingStatus
          what={`Re-pricing messages from ${from || "that date"}…`}
        />
      ) : null}
      <div>
        <Button type="submit" disabled={isPending}>
          Save my price
        </Button>
      </div>
    </form>
  )
}

export function DeletePriceButton({
  id,
  model,
}: {
  id: string
  model: string
}) {
  const router = useRouter()
  const { result, run, isPending } = useAction(deleteModelPrice, {
    onSuccess: () => {
      toast.success(
        `Your price for ${model} is removed; its messages are re-priced`
      )
      router.refresh()
    },
  })

  return (
    <>
      <Button
        size="sm"
        variant="ghost"
        disabled={isPending}
        onClick={() => run({ id })}
        aria-label={`Remove your price for ${model}`}
      >
        {isPending ? "Re-pricing…" : "Remove"}
      </Button>
      {formMessage(result) ? (
        <span role="alert" className="text-xs text-destructive">
          {formMessage(result)}
        </span>
      ) : null}
    </>
  )
}

/** Map a local model to the cloud model it is compared with. */
export function ReferenceForm({
  models,
  references,
}: {
  models: string[]
  references: string[]
}) {
  const router = useRouter()
  const { result, formAction, isPending, formRef } = useAction(
    saveModelReference,
    {
      onSuccess: (data) => {
        toast.success(`Cloud equivalent for ${data.model} saved`)
        router.refresh()
      },
    }
  )

  return (
    <form
      ref={formRef}
      action={formAction}
      className="grid gap-3 sm:grid-cols-3 sm:items-end"
      noValidate
      aria-busy={isPending}
    >
      <Field errors={fieldError(result, "model")}>
        <FieldLabel>Local model</FieldLabel>
        <FieldControl>
          <Input name="model" list="reference-locals" autoComplete="off" />
        </FieldControl>
        <datalist id="reference-locals">
          {models.map((model) => (
            <option key={model} value={model} />
          ))}
        </datalist>
        <FieldError />
      </Field>
      <Field errors={fieldError(result, "reference_model")}>
        <FieldLabel>Compared with</FieldLabel>
        <FieldControl>
          <Input
            name="reference_model"
            list="reference-clouds"
            autoComplete="off"
          />
        </FieldControl>
        <datalist id="reference-clouds">
          {references.map((model) => (
            <option key={model} value={model} />
          ))}
        </datalist>
        <FieldDescription>Empty: back to the default.</FieldDescription>
        <FieldError />
      </Field>
      <div>
        <Button type="submit" disabled={isPending}>
          {isPending ? "Re-pricing…" : "Save mapping"}
        </Button>
      </div>
      <FormMessage tone="error" className="sm:col-span-3">
        {formMessage(result)}
      </FormMessage>
    </form>
  )
}

export type BudgetValues = {
  monthly_usd: number
  monthly_tokens: number | null
  warn_at_percent: number
} | null

/** A monthly budget for the user, or for a project they administer. */
export function BudgetForm({
  scope,
  projectId,
  label,
  current,
}: {
  scope: "user" | "project"
  projectId?: string
  label: string
  current: BudgetValues
}) {
  const router = useRouter()
  const { result, formAction, isPending, formRef } = useAction(saveBudget, {
    onSuccess: () => {
      toast.success(`Budget for ${label} saved`)
      router.refresh()
    },
  })

  return (
    <form
      ref={formRef}
      action={formAction}
      className="grid gap-3 rounded-xl border p-3"
      noValidate
      aria-busy={isPending}
    >
      <h3 className="font-medium">{label}</h3>
      <input type="hidden" name="scope" value={scope} />
      {projectId ? (
        <input type="hidden" name="project_id" value={projectId} />
      ) : null}
      <div className="grid gap-3 sm:grid-cols-3">
        <DecimalField
          name="monthly_usd"
          label="Dollars per month"
          errors={fieldError(result, "monthly_usd")}
          defaultValue={current?.monthly_usd ?? ""}
        />
        <DecimalField
          name="monthly_tokens"
          label="Tokens per month (optional)"
          inputMode="numeric"
          errors={fieldError(result, "monthly_tokens")}
          defaultValue={current?.monthly_tokens ?? ""}
        />
        <DecimalField
          name="warn_at_percent"
          label="Warn at (%)"
          inputMode="numeric"
          errors={fieldError(result, "warn_at_percent")}
          defaultValue={current?.warn_at_percent ?? 80}
        />
      </div>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <div>
        <Button type="submit" disabled={isPending}>
          Save budget
        </Button>
      </div>
    </form>
  )
}
