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
    const { min, max } = errors['length'];
    return {
      key: 'validation.length',
      params: { min: n(min), max: n(max) },
    };
  }
  if (errors['wholeNumber']) {
    return { key: 'validation.wholeNumber', params: {} };
  }
  if (errors['min']) {
    return { key: 'validation.min', params: { min: n(errors['min'].min) } };
  }
  if (errors['max']) {
    return { key: 'validation.max', params: { max: n(errors['max'].max) } };
  }
  return { key: 'validation.invalid', params: {} };
}

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
