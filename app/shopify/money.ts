// Shopify sends money as decimal strings ("12.30"); Metryka keeps integer minor units.
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

/** "12.30" USD → 1230. Exact: works on the decimal string, never through a float. */
export function toMinorUnits(amount: string, currencyCode: string): number {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = currencyDigits(currencyCode);
  const padded = fraction.padEnd(digits, "0");
  if (padded.length > digits && /[^0]/.test(padded.slice(digits))) {
    throw new Error(`${amount} has more precision than ${currencyCode} allows`);
  }
  const minor = Number(whole) * 10 ** digits + Number(padded.slice(0, digits) || "0");
  return sign ? -minor : minor;
}

/** 1230 USD → "12.30". */
export function fromMinorUnits(minor: number, currencyCode: string): string {
  const digits = currencyDigits(currencyCode);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const text = String(abs).padStart(digits + 1, "0");
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
