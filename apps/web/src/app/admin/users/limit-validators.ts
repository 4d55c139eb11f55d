import { FormControl, FormGroup } from '@angular/forms';
import { LIMITS } from '@tally/api-contract';
import { wholeNumberValidator } from '../../shared/forms/validators';

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
