/**
 * Money sums that agree to the cent. Costs are numeric(…, 8) in the database; as JS numbers
 * they are summed in whole units of 1e-8 dollars (exact as integers up to ~$90M), so a CSV
 * total and the page's figure round to the same cent.
 */
const UNITS_PER_DOLLAR = 100_000_000

export function toUnits(usd: number | string): number {
  return Math.round(Number(usd) * UNITS_PER_DOLLAR)
}

export function fromUnits(units: number): number {
  return units / UNITS_PER_DOLLAR
}

/** Whole cents, rounded half away from zero as money is. */
export function toCents(usd: number | string): number {
  const units = toUnits(usd)
  const cents = Math.abs(units) / 1_000_000

  return Math.sign(units) * Math.round(cents)
}

export function sumUsd(values: Iterable<number | string>): number {
  let units = 0
  for (const value of values) units += toUnits(value)

  return fromUnits(units)
}

/** The exact decimal text of a cost for a CSV cell (8 places, no exponent). */
export function usdText(usd: number | string): string {
  const units = toUnits(usd)
  const sign = units < 0 ? "-" : ""
  const abs = Math.abs(units).toString().padStart(9, "0")

  return `${sign}${abs.slice(0, -8)}.${abs.slice(-8)}`
}
