import { createAuthService } from "./auth/service"
import { createMailboxService } from "./mailbox/mailbox"
import { createRealtimeService } from "./realtime/service"
import { restService } from "./rest"
import { type ServiceFactory } from "./service"
import { createStorageService } from "./storage/service"

/** The APIs the stack serves, in the order they start. Each lives in its own folder. */
export const defaultServices: ServiceFactory[] = [
  restService,
  createAuthService,
  createMailboxService,
  createRealtimeService,
  createStorageService,
]
