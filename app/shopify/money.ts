// Shopify sends money as decimal strings ("12.30"); Metryka keeps integer minor units, as
// bigints: exact at any size, and refused when the database's bigint columns cannot hold them.
import { BIGINT_MAX } from "#app/db-values";

const digitsCache = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, KWD 3). */
export function currencyDigits(currencyCode: string): number {
  let digits = digitsCache.get(currencyCode);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: currencyCode })
      .resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currencyCode, digits);
  }
  return digits;
}

/** An amount that is a decimal, but one the database cannot hold. */
export class AmountRangeError extends RangeError {
  constructor(amount: string, currencyCode: string) {
    super(`${amount} ${currencyCode} is out of range: at most ${BIGINT_MAX} minor units either way`);
    this.name = "AmountRangeError";
  }
}

/**
 * "12.30" USD → 1230n. Exact: works on the decimal string, never through a float. Throws on
 * what is not a decimal, on more decimals than the currency has (unless they are zeros), and
 * (AmountRangeError) on amounts beyond ±BIGINT_MAX minor units.
 */
export function toMinorUnits(amount: string, currencyCode: string): bigint {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = currencyDigits(currencyCode);
  const padded = fraction.padEnd(digits, "0");
  if (padded.length > digits && /[^0]/.test(padded.slice(digits))) {
    throw new Error(`${amount} has more precision than ${currencyCode} allows`);
  }
  // BIGINT_MAX has 19 digits: a longer whole part is out of range whatever the currency, and
  // is not worth a BigInt.
  const significant = whole.replace(/^0+/, "");
  if (significant.length > 19) throw new AmountRangeError(amount.trim(), currencyCode);
  const minor = BigInt(significant || "0") * 10n ** BigInt(digits) + BigInt(padded.slice(0, digits) || "0");
  if (minor > BIGINT_MAX) throw new AmountRangeError(amount.trim(), currencyCode);
  return sign ? -minor : minor;
}

/** 1230n USD → "12.30". */
export function fromMinorUnits(minor: bigint, currencyCode: string): string {
  const digits = currencyDigits(currencyCode);
  const sign = minor < 0n ? "-" : "";
  const abs = minor < 0n ? -minor : minor;
  if (digits === 0) return `${sign}${abs}`;
  const text = String(abs).padStart(digits + 1, "0");
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
