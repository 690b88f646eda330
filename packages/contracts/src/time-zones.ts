/**
 * The time zones a series may be read in: the IANA names this runtime's ICU lists, `UTC`, the
 * fixed-offset `Etc/GMT±N` zones, and the current names of zones that ICU still lists under an
 * older one (ICU keeps `Asia/Calcutta` as its canonical id; IANA, browsers such as Firefox and
 * people say `Asia/Kolkata`). Computed from the running Node, so the published enum and the
 * check are always the same list. Other aliases (`US/Eastern`, `Etc/UTC`) are refused with a
 * 400: the page and the runtimes report the canonical name, and a series is stored as sent.
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

/**
 * The fixed-offset zones `Etc/GMT+1` ... `Etc/GMT-14` (POSIX signs: `Etc/GMT+5` is UTC-5). ICU
 * leaves them out of its list, but a runtime reports one as its own zone when the system is set
 * to it, so a page that sends the browser's zone may send one.
 */
const FIXED_OFFSETS = [
  ...Array.from({ length: 12 }, (_, i) => `Etc/GMT+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `Etc/GMT-${i + 1}`),
];

export const TIME_ZONES: readonly [string, ...string[]] = [
  ...new Set([
    'UTC',
    ...Intl.supportedValuesOf('timeZone'),
    ...CURRENT_NAMES_OF_RENAMED,
    ...FIXED_OFFSETS,
  ]),
].sort() as [string, ...string[]];
