/**
 * The local hardware price formulas, the same arithmetic as private.message_local_cost in
 * the database (which is what stores each message's local cost): busy time is generation
 * (output tokens / tokens per second) plus time to first token; a device is priced by the
 * hour, or by energy at its busy draw. Idle draw is not caused by any message, so it is
 * priced per device over a period (idleCost), never per message.
 */
export type DevicePrice =
  | { mode: "hourly"; usdPerHour: number }
  | {
      mode: "energy"
      usdPerKwh: number
      busyWatts: number
      idleWatts?: number | null
    }

export type MessageTiming = {
  outputTokens: number
  tokensPerSecond: number | null
  timeToFirstTokenMs: number | null
}

/** Seconds the machine worked on a message; null when the device did not report a speed. */
export function busySeconds(message: MessageTiming): number | null {
  if (!message.tokensPerSecond || message.tokensPerSecond <= 0) return null

  return (
    message.outputTokens / message.tokensPerSecond +
    (message.timeToFirstTokenMs ?? 0) / 1000
  )
}

/** The cost of some busy seconds on a priced device, in dollars. */
export function busyCost(price: DevicePrice, seconds: number): number {
  const hours = seconds / 3600
  if (price.mode === "hourly") return hours * price.usdPerHour

  return hours * (price.busyWatts / 1000) * price.usdPerKwh
}

/** A message's local cost: 0 without a measured speed (nothing to price). */
export function messageLocalCost(
  price: DevicePrice,
  message: MessageTiming
): number {
  const seconds = busySeconds(message)

  return seconds === null ? 0 : busyCost(price, seconds)
}

/** Idle energy over a period: the hours the device was not busy at its idle draw. */
export function idleCost(
  price: DevicePrice,
  periodHours: number,
  busyHours: number
): number {
  if (price.mode !== "energy" || !price.idleWatts) return 0

  return (
    Math.max(0, periodHours - busyHours) *
    (price.idleWatts / 1000) *
    price.usdPerKwh
  )
}

/** Dollars per million tokens; null when there were no tokens to divide by. */
export function perMillionTokens(
  costUsd: number,
  tokens: number
): number | null {
  return tokens > 0 ? (costUsd / tokens) * 1_000_000 : null
}

/** Average speed over messages that report one: output tokens / generation seconds. */
export function averageTokensPerSecond(
  timedOutputTokens: number,
  generationSeconds: number
): number | null {
  return generationSeconds > 0 ? timedOutputTokens / generationSeconds : null
}

/** What the same tokens would have cost in the cloud, minus what the hardware cost. */
export function savings(
  cloudEquivalentUsd: number,
  localCostUsd: number
): number {
  return cloudEquivalentUsd - localCostUsd
}
