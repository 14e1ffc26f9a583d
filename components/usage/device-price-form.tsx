"use client"

import * as React from "react"
import { useRouter } from "next/navigation"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import { saveDevicePrice } from "@/lib/usage/actions"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
import {
  DecimalField,
  Field,
  FieldControl,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"

import { RepricingStatus } from "./repricing-status"

export type DevicePriceValues = {
  mode: "hourly" | "energy"
  usd_per_hour: number | null
  usd_per_kwh: number | null
  idle_watts: number | null
  busy_watts: number | null
} | null

/**
 * A device's local price: by the hour, or by energy ($/kWh x watts). Saving re-prices all its
 * messages in the database before it returns.
 */
export function DevicePriceForm({
  deviceId,
  deviceName,
  current,
  onSaved,
}: {
  deviceId: string
  deviceName: string
  current: DevicePriceValues
  onSaved?: () => void
}) {
  const router = useRouter()
  const [mode, setMode] = React.useState<"hourly" | "energy" | "none">(
    current?.mode ?? "energy"
  )
  const { result, formAction, isPending, formRef } = useAction(
    saveDevicePrice,
    {
      onSuccess: () => {
        toast.success(`${deviceName} priced; its messages are re-priced`)
        router.refresh()
        onSaved?.()
      },
    }
  )
  const id = React.useId()

  return (
    <form
      ref={formRef}
      action={formAction}
      className="grid gap-3"
      noValidate
      aria-busy={isPending}
    >
      <input type="hidden" name="device_id" value={deviceId} />
      <Field>
        <FieldLabel>How is {deviceName} priced?</FieldLabel>
        <FieldControl>
          <select
            name="mode"
            value={mode}
            onChange={(event) => setMode(event.target.value as typeof mode)}
            className="h-9 w-56 rounded-md border bg-background px-2 text-sm"
          >
            <option value="energy">By energy ($/kWh × watts)</option>
            <option value="hourly">By the hour ($/h)</option>
            <option value="none">Not priced</option>
          </select>
        </FieldControl>
      </Field>
      {mode === "hourly" ? (
        <DecimalField
          name="usd_per_hour"
          label="Dollars per hour"
          description="Charged for the time the device spends generating."
          errors={fieldError(result, "usd_per_hour")}
          defaultValue={current?.usd_per_hour ?? ""}
          inputClassName="w-32"
        />
      ) : mode === "energy" ? (
        <div className="grid gap-3 sm:grid-cols-3">
          <DecimalField
            name="usd_per_kwh"
            label="Dollars per kWh"
            errors={fieldError(result, "usd_per_kwh")}
            defaultValue={current?.usd_per_kwh ?? ""}
          />
          <DecimalField
            name="busy_watts"
            label="Busy watts"
            errors={fieldError(result, "busy_watts")}
            defaultValue={current?.busy_watts ?? ""}
          />
          <DecimalField
            name="idle_watts"
            label="Idle watts"
            errors={fieldError(result, "idle_watts")}
            defaultValue={current?.idle_watts ?? ""}
          />
        </div>
      ) : null}
      <p id={`${id}-how`} className="text-xs text-muted-foreground">
        Busy time per message = output tokens ÷ tokens per second + time to
        first token. Idle draw is shown per day on the prices page, never added
        to a message.
      </p>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      {isPending ? (
        <RepricingStatus what={`Re-pricing ${deviceName}'s messages…`} />
      ) : null}
      <div>
        <Button type="submit" disabled={isPending}>
          Save price
        </Button>
      </div>
    </form>
  )
}
