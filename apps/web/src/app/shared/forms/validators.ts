import {
  AbstractControl,
  ValidationErrors,
  ValidatorFn,
  Validators,
} from '@angular/forms';
import { LIMITS } from '@tally/api-contract';
import { formatNumber } from '../../core/i18n/format';

/**
 * A whole number between `min` and `max` typed as text: errors `required`,
 * `wholeNumber` (fractions, letters, "1e3"), `min`, `max`.
 */
export function wholeNumberValidator(min: number, max: number): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const raw = control.value;
    const text = raw === null || raw === undefined ? '' : String(raw).trim();
    if (text === '') {
      return { required: true };
    }
    if (!/^[-+]?\d+$/.test(text)) {
      return { wholeNumber: true };
    }
    const value = Number(text);
    if (value < min) {
      return { min: { min, actual: value } };
    }
    if (value > max) {
      return { max: { max, actual: value } };
    }
    return null;
  };
}

/** A decimal typed as text, with a point or a comma: "0.15", "2,5". Null when it is none. */
export function parseDecimal(text: string): number | null {
  const clean = text.trim().replace(',', '.');
  return /^\d+(\.\d+)?$/.test(clean) ? Number(clean) : null;
}

/**
 * A number from `min` to `max` with at most `decimals` places, typed as
 * text (a comma works as the decimal point): errors `required`, `number`,
 * `decimals`, `min`, `max`.
 */
export function decimalValidator(
  min: number,
  max: number,
  decimals: number,
): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const text = String(control.value ?? '').trim();
    if (text === '') {
      return { required: true };
    }
    const value = parseDecimal(text.replace(/^-\s*/, ''));
    if (value === null) {
      return { number: true };
    }
    // "-0.5" is a number, only too small: said as such, not as "not a number".
    if (/^-/.test(text) && value > 0 && min >= 0) {
      return { min: { min, actual: -value } };
    }
    const places = text.replace(',', '.').split('.')[1]?.length ?? 0;
    if (places > decimals) {
      return { decimals: { decimals } };
    }
    if (value < min) {
      return { min: { min, actual: value } };
    }
    if (value > max) {
      return { max: { max, actual: value } };
    }
    return null;
  };
}

/** An `http://` or `https://` address (an empty value is left to `required`): error `url`. */
export function httpUrlValidator(
  control: AbstractControl,
): ValidationErrors | null {
  const text = String(control.value ?? '').trim();
  if (text === '') {
    return null;
  }
  try {
    const url = new URL(text);
    return /^https?:$/.test(url.protocol) && url.hostname
      ? null
      : { url: true };
  } catch {
    return { url: true };
  }
}

/** `80, 100`: the alert thresholds as text; null when they are not 1 to 5 whole percentages from 1 to 100. */
export function parseThresholds(text: string): number[] | null {
  const parts = text
    .split(/[\s,;%]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0 || !parts.every((p) => /^\d{1,3}$/.test(p))) {
    return null;
  }
  const values = [...new Set(parts.map(Number))].sort((a, b) => a - b);
  return values.length <= 5 && values.every((v) => v >= 1 && v <= 100)
    ? values
    : null;
}

/** Alert thresholds typed as text (`80, 100`): error `thresholds`. */
export function thresholdsValidator(
  control: AbstractControl,
): ValidationErrors | null {
  return parseThresholds(String(control.value ?? ''))
    ? null
    : { thresholds: true };
}

/** Text of `min` to `max` characters (an empty value is left to `required`): error `length`. */
export function lengthValidator(min: number, max: number): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const length = String(control.value ?? '').length;
    return length === 0 || (length >= min && length <= max)
      ? null
      : { length: { min, max, actual: length } };
  };
}

export interface FieldError {
  /** Translation key under `validation.` */
  key: string;
  params: Record<string, string>;
}

/** The first error of a field, in words: a translation key and its params, numbers written for `lang`. */
export function fieldError(
  control: AbstractControl,
  lang: string,
): FieldError | null {
  const errors = control.errors;
  if (!errors) {
    return null;
  }
  const n = (value: number) => formatNumber(lang, value);
  if (errors['required']) {
    return { key: 'validation.required', params: {} };
  }
  if (errors['email']) {
    return { key: 'validation.email', params: {} };
  }
  if (errors['length']) {
    const { min, max, actual } = errors['length'];
    if (actual > max) {
      return { key: 'validation.maxLength', params: { max: n(max) } };
    }
    return {
      key: 'validation.length',
      params: { min: n(min), max: n(max) },
    };
  }
  if (errors['wholeNumber']) {
    return { key: 'validation.wholeNumber', params: {} };
  }
  if (errors['number']) {
    return { key: 'validation.number', params: {} };
  }
  if (errors['decimals']) {
    return {
      key: 'validation.decimals',
      params: { decimals: n(errors['decimals'].decimals) },
    };
  }
  if (errors['url']) {
    return { key: 'validation.url', params: {} };
  }
  if (errors['thresholds']) {
    return { key: 'validation.thresholds', params: {} };
  }
  if (errors['modelId']) {
    return { key: 'validation.modelId', params: {} };
  }
  if (errors['samePassword']) {
    return { key: 'validation.samePassword', params: {} };
  }
  if (errors['mismatch']) {
    return { key: 'validation.mismatch', params: {} };
  }
  if (errors['min']) {
    if (errors['min'].min === 0) {
      return { key: 'validation.notNegative', params: {} };
    }
    return { key: 'validation.min', params: { min: n(errors['min'].min) } };
  }
  if (errors['max']) {
    return { key: 'validation.max', params: { max: n(errors['max'].max) } };
  }
  return { key: 'validation.invalid', params: {} };
}

/** The longest display name the API takes (a user's, a connection's, a model's, a key's). */
export const NAME_MAX = 100;

/** A new password as the API takes it: required, 8 to 128 characters; and the hint that says so. */
export const NEW_PASSWORD: {
  validators: ValidatorFn[];
  hint: string;
  hintParams: Record<string, number>;
} = {
  validators: [
    Validators.required,
    lengthValidator(LIMITS.passwordMin, LIMITS.passwordMax),
  ],
  hint: 'validation.length',
  hintParams: { min: LIMITS.passwordMin, max: LIMITS.passwordMax },
};
