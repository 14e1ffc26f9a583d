"use client"

import * as React from "react"
import { Archive, ArchiveRestore, Pin, PinOff } from "lucide-react"

import { archiveSessions, pinSessions } from "@/lib/sessions/actions"
import { type SessionListItem } from "@/lib/sessions/queries"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"

import { sessionTitle } from "./session-title"
import { useSessionAction } from "./use-session-action"

/** Pin and archive one session; only its owner gets the buttons (the policy decides anyway). */
export function SessionRowActions({
  userId,
  session,
  className,
  ...props
}: React.ComponentProps<"div"> & { userId: string; session: SessionListItem }) {
  const title = sessionTitle(session.title)
  const pinned = session.pinned_at !== null
  const archived = session.archived_at !== null
  const pin = useSessionAction({
    userId,
    action: pinSessions,
    done: () => (pinned ? `Unpinned “${title}”` : `Pinned “${title}”`),
  })
  const archive = useSessionAction({
    userId,
    action: archiveSessions,
    done: () =>
      archived ? `“${title}” is back in the list` : `Archived “${title}”`,
  })
  if (!session.is_mine) return null

  return (
    <div className={cn("flex items-center gap-1", className)} {...props}>
      <Button
        variant="ghost"
        size="icon"
        aria-label={pinned ? `Unpin ${title}` : `Pin ${title}`}
        aria-pressed={pinned}
        disabled={pin.isPending}
        onClick={() => pin.run({ ids: [session.id], pinned: !pinned })}
      >
        {pinned ? <PinOff aria-hidden="true" /> : <Pin aria-hidden="true" />}
      </Button>
      <Button
        variant="ghost"
        size="icon"
        aria-label={archived ? `Unarchive ${title}` : `Archive ${title}`}
        disabled={archive.isPending}
        onClick={() => archive.run({ ids: [session.id], archived: !archived })}
      >
        {archived ? (
          <ArchiveRestore aria-hidden="true" />
        ) : (
          <Archive aria-hidden="true" />
        )}
      </Button>
    </div>
  )
}
