import * as React from "react"
import Link from "next/link"
import { Ban, Clock, HelpCircle, ShieldAlert, ShieldX } from "lucide-react"

import { type PairingMissStatus } from "@/lib/pairing/schema"
import { CommandHint } from "@/components/shell/empty-state"

const MISSES: Record<
  PairingMissStatus,
  {
    icon: React.ComponentType<{ className?: string }>
    title: string
    body: React.ReactNode
  }
> = {
  expired: {
    icon: Clock,
    title: "This code has expired",
    body: (
      <>
        Codes work for 10 minutes. Start again on the device to get a new one:
        <CommandHint command="npm run device -- pair" className="mt-2" />
      </>
    ),
  },
  used: {
    icon: ShieldAlert,
    title: "This code was already used",
    body: (
      <>
        A code pairs one device, once. If you did not approve it yourself, check
        your{" "}
        <Link href="/devices" className="underline underline-offset-4">
          devices
        </Link>{" "}
        and revoke any machine you do not recognise.
      </>
    ),
  },
  denied: {
    icon: Ban,
    title: "This request was denied",
    body: "The device was told it was not approved. To pair it after all, start again on the device.",
  },
  unknown: {
    icon: HelpCircle,
    title: "No pairing request has this code",
    body: "Check the letters against what your device shows; codes use consonants only (no vowels, no digits).",
  },
  rate_limited: {
    icon: ShieldX,
    title: "Too many wrong codes",
    body: "To protect your account, code lookups are paused after 10 wrong tries. Wait 15 minutes, then try again.",
  },
}

export function PairMiss({
  status,
  code,
}: {
  status: PairingMissStatus
  code: string
}) {
  const { icon: Icon, title, body } = MISSES[status]

  return (
    <section
      aria-labelledby="pair-miss-title"
      data-status={status}
      className="flex gap-4 rounded-xl border p-5"
    >
      <Icon
        className="mt-0.5 size-6 shrink-0 text-muted-foreground"
        aria-hidden="true"
      />
      <div className="min-w-0 space-y-2">
        <h2 id="pair-miss-title" className="text-lg font-semibold">
          {title}
        </h2>
        <p className="text-sm text-muted-foreground">
          Code <span className="font-mono text-foreground">{code}</span>
        </p>
        <div className="text-sm">{body}</div>
      </div>
    </section>
  )
}
