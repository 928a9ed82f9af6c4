import { BIGINT_MAX, isStorableIdText } from "#app/db-values";

/**
 * gid://shopify/Order/123 → 123n. Throws on anything else, so a bad id never becomes 0, and on
 * an id the database's bigint columns cannot hold (1 to 9223372036854775807).
 */
export function gidToId(gid: string, type: string): bigint {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(gid);
  if (!match || match[1] !== type) throw new Error(`Not a ${type} GID: ${gid}`);
  const digits = match[2];
  // Beyond 19 digits only leading zeros can keep an id in range.
  const id = digits.length <= 19 || isStorableIdText(digits) ? BigInt(digits) : 0n;
  if (id < 1n || id > BIGINT_MAX) throw new Error(`${type} id is out of range (1 to ${BIGINT_MAX}): ${digits}`);
  return id;
}

export function idToGid(id: bigint | number | string, type: string): string {
  return `gid://shopify/${type}/${id}`;
}
