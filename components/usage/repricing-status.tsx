/**
 * Shown while a price change is being saved. The database re-prices every affected message
 * inside the saving statement (docs/usage.md "Re-pricing"), which cannot report how far it
 * is, so this claims no fraction: an indeterminate bar across the whole width, and what the
 * reader sees meanwhile.
 */
export function RepricingStatus({ what }: { what: string }) {
  return (
    <div role="status" className="text-sm text-muted-foreground">
      <p>{what}</p>
      <p className="text-xs">
        A long history can take minutes to re-price; the usage pages show the
        previous figures until it is done.
      </p>
      <div
        aria-hidden="true"
        className="mt-1 h-1 overflow-hidden rounded bg-muted"
      >
        <div className="h-full w-full animate-pulse bg-primary/60" />
      </div>
    </div>
  )
}
