"use client"

import * as React from "react"
import { useRouter } from "next/navigation"
import { useQueryClient } from "@tanstack/react-query"
import { Trash2 } from "lucide-react"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { deleteSessions, restoreSessions } from "@/lib/sessions/actions"
import { sessionKeys } from "@/lib/sessions/query-options"
import { useAction } from "@/lib/use-action"
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"

/**
 * Deletes the open session (a tombstone, like the list's bulk delete), then goes back to the
 * list with a toast whose Undo restores it and reopens it; Recently deleted keeps it for 30
 * days either way.
 */
export function SessionDeleteButton({
  userId,
  sessionId,
  title,
}: {
  userId: string
  sessionId: string
  title: string
}) {
  const [open, setOpen] = React.useState(false)
  const router = useRouter()
  const queryClient = useQueryClient()

  const undo = React.useCallback(async () => {
    const result = await restoreSessions(null, { ids: [sessionId] })
    if (!result.ok) {
      toast.error(result.message)
      return
    }
    void queryClient.invalidateQueries({ queryKey: sessionKeys.user(userId) })
    toast.success(`Restored “${title}”`)
    router.push(`/sessions/${sessionId}`)
  }, [queryClient, router, sessionId, title, userId])

  const remove = useAction(deleteSessions, {
    onSuccess: () => {
      setOpen(false)
      void queryClient.invalidateQueries({ queryKey: sessionKeys.user(userId) })
      toast.success(`Deleted “${title}”`, {
        description: "Restore it from Recently deleted within 30 days.",
        action: { label: "Undo", onClick: () => void undo() },
        // Long enough to reach for Undo after the list has loaded, not sonner's 4 s.
        duration: 15_000,
      })
      router.push("/sessions")
    },
  })

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="outline" size="sm">
          <Trash2 aria-hidden="true" />
          Delete
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete this session?</AlertDialogTitle>
          <AlertDialogDescription>
            It leaves the list, and machines that pull learn of it on their next
            sync. You can restore it from Recently deleted for 30 days.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <FormMessage tone="error">{formMessage(remove.result)}</FormMessage>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          {/* A plain button: the dialog stays open until the server confirms, or says why not. */}
          <Button
            variant="destructive"
            disabled={remove.isPending}
            onClick={() => remove.run({ ids: [sessionId] })}
          >
            {remove.isPending ? "Deleting…" : "Delete"}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  )
}
