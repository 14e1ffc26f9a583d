import { Skeleton } from "@/components/ui/skeleton"

export default function ChatLoading() {
  return (
    <div role="status" aria-label="Loading chat" className="space-y-6">
      <div className="space-y-2">
        <Skeleton className="h-8 w-32" />
        <Skeleton className="h-4 w-full max-w-xl" />
      </div>
      <div className="grid gap-3 sm:grid-cols-3">
        <Skeleton className="h-9" />
        <Skeleton className="h-9" />
        <Skeleton className="h-9 w-32" />
      </div>
      <Skeleton className="h-48 w-full rounded-lg" />
      <Skeleton className="h-24 w-full" />
    </div>
  )
}
