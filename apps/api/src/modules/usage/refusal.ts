import type { AppliedLimit } from './quota';

/**
 * Whether `l` refuses a send of `prompt` tokens at these prices, as
 * RESERVE_SQL decides it: a messages limit with none left, a tokens limit
 * that leaves no answer token after the prompt, a cost limit that cannot pay
 * for the prompt and one answer token.
 */
export function refuses(
  l: AppliedLimit,
  prompt: number,
  inputPrice: number,
  outputPrice: number,
): boolean {
  const taken = l.settled + l.held;
  if (l.metric === 'messages') return taken >= l.limit;
  if (l.metric === 'tokens') return l.limit - taken - prompt < 1;
  const left = l.limit - taken - Math.ceil(prompt * inputPrice);
  return left < 0 || (outputPrice > 0 && Math.floor(left / outputPrice) < 1);
}

/**
 * The limit a refusal names: of those that refuse, the one that resets
 * last (the first moment the send could pass); of equals, the first in
 * the quota's order.
 */
export function refusingLimit(
  limits: AppliedLimit[],
  prompt: number,
  inputPrice: number,
  outputPrice: number,
): AppliedLimit | null {
  let last: AppliedLimit | null = null;
  for (const l of limits) {
    if (!refuses(l, prompt, inputPrice, outputPrice)) continue;
    if (!last || Date.parse(l.resets_at) > Date.parse(last.resets_at)) last = l;
  }
  return last;
}
