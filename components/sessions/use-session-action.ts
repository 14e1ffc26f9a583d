"use client"

import { useQueryClient } from "@tanstack/react-query"
import { toast } from "sonner"

import { type ActionResult } from "@/lib/action-result"
import { type SessionsChanged } from "@/lib/sessions/actions"
import { sessionKeys } from "@/lib/sessions/query-options"
import { useAction } from "@/lib/use-action"

/**
 * A sessions server action through useAction: on success the user's session queries (lists,
 * search, recently deleted) are refetched and a toast says what happened, naming any
 * sessions that were skipped (not the caller's, or already gone).
 */
export function useSessionAction<TInput>({
  userId,
  action,
  done,
  onSuccess,
}: {
  userId: string
  action: (
    previous: unknown,
    input: TInput
  ) => Promise<ActionResult<SessionsChanged>>
  /** The toast on success, e.g. (n) => `${n} sessions archived`. */
  done: (count: number) => string
  onSuccess?: (data: SessionsChanged) => void
}) {
  const queryClient = useQueryClient()

  return useAction(action, {
    onSuccess: (data) => {
      void queryClient.invalidateQueries({ queryKey: sessionKeys.user(userId) })
      toast.success(
        data.skipped > 0
          ? `${done(data.ids.length)}; ${data.skipped} skipped (not yours, or gone)`
          : done(data.ids.length)
      )
      onSuccess?.(data)
    },
  })
}
