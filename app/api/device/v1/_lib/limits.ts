// Request body limits per endpoint, stated in docs/device-api.md; a larger body is a 413.

/** Device info is a few short strings; anything bigger is not an agent. */
export const PAIR_BODY_LIMIT_BYTES = 4 * 1024
/** A device code and a grant type. */
export const TOKEN_BODY_LIMIT_BYTES = 1024
/** Capabilities with hundreds of model ids fit several times over. */
export const HEARTBEAT_BODY_LIMIT_BYTES = 64 * 1024

/** How often an agent should send a heartbeat; the console calls a device online within 90 s. */
export const HEARTBEAT_INTERVAL_SECONDS = 30

/**
 * A sync push: 10,000 messages of chat text fit, and so does one message just over the 1 MB
 * content limit (rejected on its own, the rest applied). The agent sends batches of 2 MiB.
 */
export const SYNC_PUSH_BODY_LIMIT_BYTES = 8 * 1024 * 1024

/** Up to 100 attachment records (names, types, sizes, hashes): small. */
export const SYNC_ATTACHMENTS_BODY_LIMIT_BYTES = 128 * 1024
