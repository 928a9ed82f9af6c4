import type { Minor } from "./types";

const digitsCache = new Map<string, number>();

/** Number of minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, KWD 3), from ICU. */
export function currencyDigits(currencyCode: string): number {
  const cached = digitsCache.get(currencyCode);
  if (cached !== undefined) return cached;
  let digits: number;
  try {
    digits = new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode })
      .resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    throw new Error(`Unknown currency code "${currencyCode}"`);
  }
  digitsCache.set(currencyCode, digits);
  return digits;
}

/** Minor units to a decimal string with the currency's digits: 1230 USD → "12.30", 500 JPY → "500". */
export function formatMinor(amount: Minor, currencyCode: string): string {
  if (!Number.isSafeInteger(amount)) {
    throw new Error(`Money amount must be an integer number of minor units, got ${amount}`);
  }
  const digits = currencyDigits(currencyCode);
  const negative = amount < 0;
  const abs = Math.abs(amount).toString();
  if (digits === 0) return (negative ? "-" : "") + abs;
  const padded = abs.padStart(digits + 1, "0");
  const whole = padded.slice(0, padded.length - digits);
  const fraction = padded.slice(padded.length - digits);
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/** Decimal string to minor units ("12.3" USD → 1230). Throws on more digits than the currency has. */
export function parseMinor(amount: string, currencyCode: string): Minor {
  const digits = currencyDigits(currencyCode);
  const match = /^(-)?(\d+)(?:\.(\d*))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: "${amount}"`);
  const [, sign, whole, fraction = ""] = match;
  const trimmed = fraction.replace(/0+$/, "");
  if (trimmed.length > digits) throw new Error(`"${amount}" has more than ${digits} decimals for ${currencyCode}`);
  const value = Number(whole) * 10 ** digits + Number(trimmed.padEnd(digits, "0") || "0");
  return sign ? -value : value;
}

/** Rounds half away from zero to an integer number of minor units. */
export function roundMinor(value: number): Minor {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}
