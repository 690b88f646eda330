/**
 * The time zones a series may be read in: the IANA names this runtime's ICU lists, `UTC`, and the
 * current names of zones that ICU still lists under an older one (ICU keeps `Asia/Calcutta` as
 * its canonical id; IANA, browsers such as Firefox and people say `Asia/Kolkata`). Computed from
 * the running Node, so the published enum and the check are always the same list.
 */
const CURRENT_NAMES_OF_RENAMED = [
  'Africa/Asmara',
  'America/Argentina/Buenos_Aires',
  'America/Argentina/Catamarca',
  'America/Argentina/Cordoba',
  'America/Argentina/Jujuy',
  'America/Argentina/Mendoza',
  'America/Atikokan',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Europe/Kyiv',
  'Pacific/Chuuk',
  'Pacific/Kanton',
  'Pacific/Pohnpei',
] as const;

export const TIME_ZONES: readonly [string, ...string[]] = [
  ...new Set(['UTC', ...Intl.supportedValuesOf('timeZone'), ...CURRENT_NAMES_OF_RENAMED]),
].sort() as [string, ...string[]];
