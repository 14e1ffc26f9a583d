/**
 * The database role only the device API acts as (20261203000730_device_api_role.sql): the
 * pairing and device-authentication functions are granted to it alone, so the anon key cannot
 * call them and the address they record is the one the device API's route handlers saw. A
 * module of its own so the benches that pair devices as the API does can name it too.
 */
export const DEVICE_API_ROLE = "lmx_device_api"
