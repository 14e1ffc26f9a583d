"use client"

import { useMutation, useQueryClient } from "@tanstack/react-query"

import { type ActionResult } from "@/lib/devices/actions"
import { type Device } from "@/lib/devices/queries"
import { deviceKeys } from "@/lib/devices/query-options"

/**
 * A server action as a mutation. The action answers `{ ok: false }` for problems the user can
 * fix; those stay results (shown in the form), only thrown errors are failures. On success the
 * device is patched in place and the user's device queries are refetched (activity included).
 */
export function useDeviceMutation<TInput, TData>({
  userId,
  deviceId,
  action,
  patch,
}: {
  userId: string
  deviceId: string
  action: (input: TInput) => Promise<ActionResult<TData>>
  patch?: (device: Device, data: TData, input: TInput) => Device
}) {
  const queryClient = useQueryClient()

  return useMutation({
    mutationFn: action,
    onSuccess: (result, input) => {
      if (!result.ok) return
      if (patch) {
        const apply = (device: Device) =>
          device.id === deviceId ? patch(device, result.data, input) : device
        queryClient.setQueryData<Device[]>(deviceKeys.list(userId), (list) =>
          list?.map(apply)
        )
        queryClient.setQueryData<Device | null>(
          deviceKeys.detail(userId, deviceId),
          (device) => (device ? apply(device) : device)
        )
      }
      void queryClient.invalidateQueries({ queryKey: deviceKeys.user(userId) })
    },
  })
}
