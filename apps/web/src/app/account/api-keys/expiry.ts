import type {
  AbstractControl,
  ValidationErrors,
  ValidatorFn,
} from '@angular/forms';

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as a `datetime-local` input shows it: local time, to the second. */
export function toLocalInput(value: string | Date): string {
  const d = new Date(value);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** A `datetime-local` value (local time) as an ISO time; null when it is not a time. */
export function toIso(local: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(local))
    return null;
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Whether two times are the same second. */
export const sameSecond = (a: string, b: string) =>
  Math.floor(Date.parse(a) / 1000) === Math.floor(Date.parse(b) / 1000);

/** Whether an ISO time has passed. */
export const hasPassed = (iso: string | null, nowMs = Date.now()) =>
  iso !== null && Date.parse(iso) <= nowMs;

/**
 * A `datetime-local` value that is a time in the future (`expiryPast`
 * otherwise; `expiryInvalid` when it is not a time). `kept`, the stored
 * expiry of the key being edited, passes as it is, past or not: leaving it
 * unchanged sends nothing.
 */
export function futureTimeValidator(kept: string | null = null): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const iso = toIso(control.value ?? '');
    if (iso === null) return { expiryInvalid: true };
    if (kept !== null && sameSecond(iso, kept)) return null;
    return hasPassed(iso) ? { expiryPast: true } : null;
  };
}
