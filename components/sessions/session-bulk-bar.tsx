"use client"

import * as React from "react"
import {
  Archive,
  ArchiveRestore,
  Download,
  FolderInput,
  Trash2,
  X,
} from "lucide-react"

import { formMessage } from "@/lib/action-result"
import { formatQuantity } from "@/lib/format"
import {
  archiveSessions,
  deleteSessions,
  moveSessionsToProject,
} from "@/lib/sessions/actions"
import { type SessionFilterOptions } from "@/lib/sessions/queries"
import { cn } from "@/lib/utils"
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
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog"
import { FormMessage } from "@/components/ui/form-message"
import { Label } from "@/components/ui/label"
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select"

import { useSessionAction } from "./use-session-action"

/**
 * The URL of the export route for a selection: `GET /sessions/export?format=…&id=…&id=…`
 * answers with an attachment (streamed for large selections).
 */
export function exportHref(
  format: "markdown" | "json",
  ids: readonly string[]
) {
  const params = new URLSearchParams({ format })
  for (const id of ids) params.append("id", id)

  return `/sessions/export?${params.toString()}`
}

type BulkProps = {
  userId: string
  ids: string[]
  archived: boolean
  onDone: () => void
}

/** What to do with the selected sessions: archive, move, export, delete. */
export function SessionBulkBar({
  userId,
  ids,
  archived,
  projects,
  onDone,
  className,
  ...props
}: React.ComponentProps<"div"> &
  BulkProps & { projects: SessionFilterOptions["projects"] }) {
  const archive = useSessionAction({
    userId,
    action: archiveSessions,
    done: (count) =>
      archived
        ? `${formatQuantity(count, "session")} back in the list`
        : `${formatQuantity(count, "session")} archived`,
    onSuccess: onDone,
  })

  return (
    <div
      role="toolbar"
      aria-label="Selected sessions"
      className={cn(
        "sticky bottom-4 z-10 flex flex-wrap items-center gap-2 rounded-xl border bg-background/95 p-3 shadow-lg backdrop-blur",
        className
      )}
      {...props}
    >
      <p className="mr-2 text-sm font-medium" aria-live="polite">
        {formatQuantity(ids.length, "session")} selected
      </p>
      <Button
        variant="outline"
        size="sm"
        disabled={archive.isPending}
        onClick={() => archive.run({ ids, archived: !archived })}
      >
        {archived ? (
          <ArchiveRestore aria-hidden="true" />
        ) : (
          <Archive aria-hidden="true" />
        )}
        {archived ? "Unarchive" : "Archive"}
      </Button>
      <MoveDialog
        userId={userId}
        ids={ids}
        archived={archived}
        projects={projects}
        onDone={onDone}
      />
      <Button variant="outline" size="sm" asChild>
        <a href={exportHref("markdown", ids)} download>
          <Download aria-hidden="true" />
          Export Markdown
        </a>
      </Button>
      <Button variant="outline" size="sm" asChild>
        <a href={exportHref("json", ids)} download>
          <Download aria-hidden="true" />
          Export JSON
        </a>
      </Button>
      <DeleteDialog
        userId={userId}
        ids={ids}
        archived={archived}
        onDone={onDone}
      />
      <Button variant="ghost" size="sm" onClick={onDone}>
        <X aria-hidden="true" />
        Clear selection
      </Button>
      <FormMessage tone="error">{formMessage(archive.result)}</FormMessage>
    </div>
  )
}

function MoveDialog(
  props: BulkProps & { projects: SessionFilterOptions["projects"] }
) {
  const [open, setOpen] = React.useState(false)

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <FolderInput aria-hidden="true" />
          Move to project
        </Button>
      </DialogTrigger>
      <DialogContent>
        <MoveForm
          {...props}
          onDone={() => {
            setOpen(false)
            props.onDone()
          }}
        />
      </DialogContent>
    </Dialog>
  )
}

const NO_PROJECT = "none"

function MoveForm({
  userId,
  ids,
  projects,
  onDone,
}: BulkProps & { projects: SessionFilterOptions["projects"] }) {
  const writable = projects.filter((project) => project.canWrite)
  const [target, setTarget] = React.useState(NO_PROJECT)
  const selectId = React.useId()
  const move = useSessionAction({
    userId,
    action: moveSessionsToProject,
    done: (count) => `${formatQuantity(count, "session")} moved`,
    onSuccess: onDone,
  })

  return (
    <>
      <DialogHeader>
        <DialogTitle>Move {formatQuantity(ids.length, "session")}</DialogTitle>
        <DialogDescription>
          Members of the project can then read them. You can move sessions into
          projects where you are a developer or above.
        </DialogDescription>
      </DialogHeader>
      <div className="grid gap-1.5">
        <Label htmlFor={selectId}>Project</Label>
        <Select value={target} onValueChange={setTarget}>
          <SelectTrigger id={selectId} className="w-full">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={NO_PROJECT}>No project (only you)</SelectItem>
            {writable.map((project) => (
              <SelectItem key={project.id} value={project.id}>
                {project.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <FormMessage tone="error">{formMessage(move.result)}</FormMessage>
      <DialogFooter>
        <Button
          disabled={move.isPending}
          onClick={() =>
            move.run({
              ids,
              projectId: target === NO_PROJECT ? null : target,
            })
          }
        >
          {move.isPending ? "Moving…" : "Move"}
        </Button>
      </DialogFooter>
    </>
  )
}

function DeleteDialog(props: BulkProps) {
  const [open, setOpen] = React.useState(false)

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="destructive" size="sm">
          <Trash2 aria-hidden="true" />
          Delete
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <DeleteConfirm
          {...props}
          onDone={() => {
            setOpen(false)
            props.onDone()
          }}
        />
      </AlertDialogContent>
    </AlertDialog>
  )
}

function DeleteConfirm({ userId, ids, onDone }: BulkProps) {
  const remove = useSessionAction({
    userId,
    action: deleteSessions,
    done: (count) =>
      `${formatQuantity(count, "session")} deleted; restore from Recently deleted within 30 days`,
    onSuccess: onDone,
  })

  return (
    <>
      <AlertDialogHeader>
        <AlertDialogTitle>
          Delete {formatQuantity(ids.length, "session")}?
        </AlertDialogTitle>
        <AlertDialogDescription>
          They leave the list, and machines that pull learn of it on their next
          sync. You can restore them from Recently deleted for 30 days.
        </AlertDialogDescription>
      </AlertDialogHeader>
      <FormMessage tone="error">{formMessage(remove.result)}</FormMessage>
      <AlertDialogFooter>
        <AlertDialogCancel>Cancel</AlertDialogCancel>
        {/* A plain button: the dialog stays open until the server confirms, or says why not. */}
        <Button
          variant="destructive"
          disabled={remove.isPending}
          onClick={() => remove.run({ ids })}
        >
          {remove.isPending ? "Deleting…" : "Delete"}
        </Button>
      </AlertDialogFooter>
    </>
  )
}
