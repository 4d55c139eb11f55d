/** The IANA time zones this browser knows, UTC first. */
export function timeZones(): string[] {
  const zones =
    typeof Intl.supportedValuesOf === 'function'
      ? Intl.supportedValuesOf('timeZone')
      : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}
