/** A model's prices: US dollars per million tokens = micro-dollars per token. */
export interface ModelPrices {
  inputPrice: number;
  outputPrice: number;
}

/** Prices have at most 6 decimals: whole millionths of a micro-dollar per token. */
const SCALE = BigInt(1000000);
const scaled = (price: number) => BigInt(Math.round(price * 1000000));

/**
 * The cost of an answer in whole micro-dollars, rounded up:
 * `prompt × input_price + completion × output_price`, computed exactly.
 */
export function costOf(
  promptTokens: number,
  completionTokens: number,
  prices: ModelPrices,
): number {
  const numerator =
    BigInt(Math.max(0, Math.round(promptTokens))) * scaled(prices.inputPrice) +
    BigInt(Math.max(0, Math.round(completionTokens))) *
      scaled(prices.outputPrice);
  return Number((numerator + SCALE - BigInt(1)) / SCALE);
}
