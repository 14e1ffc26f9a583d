import { Skeleton } from "@/components/ui/skeleton"

export default function RunLoading() {
  return (
    <div role="status" aria-label="Loading the run" className="space-y-6">
      <div className="space-y-2">
        <Skeleton className="h-8 w-64" />
        <Skeleton className="h-4 w-full max-w-md" />
      </div>
      <div className="grid grid-cols-2 gap-4 sm:grid-cols-6">
        {Array.from({ length: 6 }, (_, index) => (
          <Skeleton key={index} className="h-10" />
        ))}
      </div>
      <Skeleton className="h-[65dvh] w-full" />
    </div>
  )
}
