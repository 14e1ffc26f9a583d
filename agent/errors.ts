import { type DeviceApiErrorCode } from "@/lib/devices/schema"

/** What went wrong on the agent's side of the wire, in addition to the API's own codes. */
export type AgentErrorCode =
  | DeviceApiErrorCode
  | "network_error"
  | "unexpected_response"
  | "not_paired"
  | "pairing_timed_out"

const PAIR_AGAIN = "run `npm run device -- pair` to pair it again"

/** The message the agent prints for each failure: what happened and what to do next. */
export function describeAgentError(
  code: AgentErrorCode,
  { server, detail }: { server: string; detail?: string }
): string {
  const because = detail ? ` (${detail})` : ""
  switch (code) {
    case "device_revoked":
      return `This device was revoked from the console; ${PAIR_AGAIN}.`
    case "invalid_device_secret":
      return `The console at ${server} does not recognise this device's secret (the device may have been deleted or paired again); ${PAIR_AGAIN}.`
    case "missing_device_secret":
    case "not_paired":
      return "This device is not paired yet; run `npm run device -- pair` first."
    case "access_denied":
      return "The pairing was denied in the console. Run `npm run device -- pair` to start again."
    case "expired_token":
      return "The pairing code expired or was already used (codes last 10 minutes). Run `npm run device -- pair` for a new code."
    case "pairing_timed_out":
      return "Nobody approved the pairing before the code expired. Run `npm run device -- pair` for a new code."
    case "invalid_grant":
      return `The console at ${server} does not know this pairing request (was it reset?). Run \`npm run device -- pair\` to start again.`
    case "authorization_pending":
    case "slow_down":
      return "The pairing is still waiting for approval in the console."
    case "rate_limited":
      return `The console is limiting requests from this machine${because}. Wait a few minutes and try again.`
    case "invalid_json":
    case "invalid_request":
    case "unsupported_media_type":
    case "payload_too_large":
      return `The console refused what this agent sent${because}. Update the agent and try again.`
    case "service_unavailable":
      return `The console at ${server} is temporarily unavailable${because}. Try again in a moment.`
    case "network_error":
      return `Could not reach the console at ${server}${because}. Check --server and your network connection.`
    case "unexpected_response":
      return `The server at ${server} did not answer like an LMX Console device API${because}. Check --server.`
    case "worker_disabled":
    case "project_not_enabled":
      return `This device may not run that work${because}. Change its settings on the console's Devices page.`
    case "run_not_found":
    case "lease_lost":
    case "run_refused":
    case "artifact_not_uploaded":
      return `The console refused the run update${because}.`
  }
}

/** A failure the agent reports and stops on; `message` is finished text for the terminal. */
export class DeviceAgentError extends Error {
  readonly code: AgentErrorCode
  readonly status: number | undefined
  /** The console's own wording, when it sent one. */
  readonly serverMessage: string | undefined

  constructor(
    code: AgentErrorCode,
    {
      server,
      status,
      serverMessage,
      detail,
    }: {
      server: string
      status?: number
      serverMessage?: string
      detail?: string
    }
  ) {
    super(describeAgentError(code, { server, detail: detail ?? serverMessage }))
    this.name = "DeviceAgentError"
    this.code = code
    this.status = status
    this.serverMessage = serverMessage
  }
}
