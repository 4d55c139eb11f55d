import {
  AbstractControl,
  FormControl,
  FormGroup,
  ValidationErrors,
  ValidatorFn,
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

export type LimitMode = 'default' | 'custom';

export type LimitForm = FormGroup<{
  mode: FormControl<LimitMode>;
  value: FormControl<string>;
}>;

export const LIMIT_MIN = 0;
export const LIMIT_MAX = LIMITS.limitValueMax;

/**
 * One per-user limit: "use the default" (null on the wire) or a whole number
 * 0..2147483647. The number is only checked, and only sent, when custom.
 */
export function createLimitForm(current: number | null): LimitForm {
  const value = new FormControl(current === null ? '' : String(current), {
    nonNullable: true,
  });
  const mode = new FormControl<LimitMode>(
    current === null ? 'default' : 'custom',
    { nonNullable: true },
  );
  const form: LimitForm = new FormGroup({ mode, value });
  const sync = (m: LimitMode) => {
    if (m === 'custom') {
      value.setValidators(wholeNumberValidator(LIMIT_MIN, LIMIT_MAX));
      value.enable({ emitEvent: false });
    } else {
      value.clearValidators();
      value.disable({ emitEvent: false });
    }
    value.updateValueAndValidity({ emitEvent: false });
  };
  sync(mode.value);
  mode.valueChanges.subscribe(sync);
  return form;
}

/** The wire value of a valid limit form: null for the default, else the number. */
export function limitValue(form: LimitForm): number | null {
  return form.controls.mode.value === 'default'
    ? null
    : Number(form.controls.value.value.trim());
}

/** Translation key and params of the first error of a whole-number field, numbers written for `lang`. */
export function numberErrorMessage(
  control: AbstractControl,
  lang: string,
): { key: string; params: Record<string, string> } | null {
  const errors = control.errors;
  if (!errors) {
    return null;
  }
  if (errors['required']) {
    return { key: 'validation.required', params: {} };
  }
  if (errors['wholeNumber']) {
    return { key: 'validation.wholeNumber', params: {} };
  }
  if (errors['min']) {
    return {
      key: 'validation.min',
      params: { min: formatNumber(lang, errors['min'].min) },
    };
  }
  if (errors['max']) {
    return {
      key: 'validation.max',
      params: { max: formatNumber(lang, errors['max'].max) },
    };
  }
  return { key: 'validation.invalid', params: {} };
}
