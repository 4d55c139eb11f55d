/** The IANA time zones this browser knows, UTC first. */
export function timeZones(): string[] {
  const zones =
    typeof Intl.supportedValuesOf === 'function'
      ? Intl.supportedValuesOf('timeZone')
      : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}

/**
 * Whether `name` is a time zone name this browser knows: one of the list, or
 * another name the list leaves out (an alias such as `Etc/UTC` or
 * `US/Eastern`, a zone newer than the list such as `Europe/Kyiv` in an older
 * browser). The API has the last word.
 */
export function isTimeZone(name: string, known: ReadonlySet<string>): boolean {
  if (known.has(name)) {
    return true;
  }
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) {
    return false; // offsets such as "+05:00" are no zone names
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
