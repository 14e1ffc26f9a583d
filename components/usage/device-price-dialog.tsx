"use client"

import * as React from "react"
import Link from "next/link"
import { useQuery } from "@tanstack/react-query"
import { Zap } from "lucide-react"

import { createClient } from "@/lib/supabase/client"
import { Button } from "@/components/ui/button"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog"

import { DevicePriceForm, type DevicePriceValues } from "./device-price-form"

export const devicePriceKeys = {
  detail: (deviceId: string) => ["device-prices", deviceId] as const,
}

/** The device page's entry to local hardware pricing (the prices page has the same form). */
export function DevicePriceDialog({
  deviceId,
  deviceName,
}: {
  deviceId: string
  deviceName: string
}) {
  const [open, setOpen] = React.useState(false)
  const supabase = createClient()
  const price = useQuery({
    queryKey: devicePriceKeys.detail(deviceId),
    enabled: open,
    queryFn: async (): Promise<DevicePriceValues> => {
      const { data, error } = await supabase
        .from("device_prices")
        .select("mode, usd_per_hour, usd_per_kwh, idle_watts, busy_watts")
        .eq("device_id", deviceId)
        .maybeSingle()
      if (error) throw new Error(`device price: ${error.code} ${error.message}`)

      return data
        ? { ...data, mode: data.mode === "hourly" ? "hourly" : "energy" }
        : null
    },
  })

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <Zap aria-hidden="true" />
          Hardware price
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Hardware price</DialogTitle>
          <DialogDescription>
            What {deviceName} costs to run, so each message it generates gets a
            local cost.{" "}
            <Link
              className="underline underline-offset-4"
              href={`/usage?device=${deviceId}`}
            >
              See its usage
            </Link>
          </DialogDescription>
        </DialogHeader>
        {price.isPending ? (
          <p role="status" className="text-sm text-muted-foreground">
            Loading the current price…
          </p>
        ) : price.isError ? (
          <p role="alert" className="text-sm text-destructive">
            Could not load the current price.
          </p>
        ) : (
          <DevicePriceForm
            deviceId={deviceId}
            deviceName={deviceName}
            current={price.data}
            onSaved={() => {
              void price.refetch()
              setOpen(false)
            }}
          />
        )}
      </DialogContent>
    </Dialog>
  )
}
