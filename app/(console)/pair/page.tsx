import type { Metadata } from "next"

import { getCurrentUser } from "@/lib/auth/current-user"
import { lookupPairing } from "@/lib/pairing/queries"
import { userCodeSchema } from "@/lib/pairing/schema"
import { formatUserCode } from "@/lib/pairing/user-code"
import { createClient } from "@/lib/supabase/server"
import { PageHeader } from "@/components/shell/page-header"

import { PairCodeForm } from "./_components/pair-code-form"
import { PairMiss } from "./_components/pair-miss"
import { PairRequest } from "./_components/pair-request"

export const metadata: Metadata = { title: "Pair a device" }

export default async function PairPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>
}) {
  const { code: rawCode } = await searchParams
  const user = await getCurrentUser()
  const typed = typeof rawCode === "string" ? rawCode : ""
  const parsed = userCodeSchema.safeParse(typed)

  const header = (
    <PageHeader
      title="Pair a device"
      description="Enter the code your device shows, check what is asking, then approve or deny it."
    />
  )
  if (!typed || !parsed.success) {
    return (
      <>
        {header}
        <PairCodeForm
          initialCode={typed}
          error={typed ? parsed.error?.issues[0]?.message : undefined}
        />
      </>
    )
  }

  const supabase = await createClient()
  // Only a lookup: nothing is approved or denied without an explicit click.
  const lookup = await lookupPairing(supabase, parsed.data)

  return (
    <>
      {header}
      {lookup.status === "pending" ? (
        <PairRequest
          key={parsed.data}
          code={parsed.data}
          request={lookup.request}
          accountEmail={user.email}
          serverNow={new Date().toISOString()}
        />
      ) : (
        <div className="space-y-6">
          <PairMiss status={lookup.status} code={formatUserCode(parsed.data)} />
          {lookup.status !== "rate_limited" && (
            <div className="space-y-2">
              <h2 className="text-base font-semibold">Try another code</h2>
              <PairCodeForm key={parsed.data} autoFocus={false} />
            </div>
          )}
        </div>
      )}
    </>
  )
}
