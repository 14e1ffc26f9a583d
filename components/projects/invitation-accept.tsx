"use client"

import { useRouter } from "next/navigation"

import { formMessage } from "@/lib/action-result"
import { acceptInvitation, declineInvitation } from "@/lib/projects/actions"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"

import { DeniedHint } from "./denied-hint"

export function InvitationAccept({
  token,
  invitationId,
  deniedReason,
}: {
  token: string
  invitationId: string
  /** Why this account cannot accept (another address), or null. */
  deniedReason: string | null
}) {
  const router = useRouter()
  const accept = useAction<{ token: string }, { slug: string | null }>(
    acceptInvitation,
    {
      onSuccess: (data) =>
        router.push(data.slug ? `/projects/${data.slug}/members` : "/projects"),
    }
  )
  const decline = useAction<{ invitationId: string }, null>(declineInvitation, {
    onSuccess: () => router.push("/projects"),
  })
  const busy = accept.isPending || decline.isPending

  return (
    <div className="space-y-3">
      <FormMessage tone="error">
        {formMessage(accept.result) ?? formMessage(decline.result)}
      </FormMessage>
      <div className="flex flex-wrap gap-2">
        <DeniedHint reason={deniedReason}>
          <Button
            disabled={busy || deniedReason !== null}
            onClick={() => accept.run({ token })}
          >
            {accept.isPending ? "Joining…" : "Accept invitation"}
          </Button>
        </DeniedHint>
        <DeniedHint reason={deniedReason}>
          <Button
            variant="outline"
            disabled={busy || deniedReason !== null}
            onClick={() => decline.run({ invitationId })}
          >
            Decline
          </Button>
        </DeniedHint>
      </div>
    </div>
  )
}
