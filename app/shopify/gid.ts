/** gid://shopify/Order/123 → 123n. Throws on anything else, so a bad id never becomes 0. */
export function gidToId(gid: string, type: string): bigint {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(gid);
  if (!match || match[1] !== type) throw new Error(`Not a ${type} GID: ${gid}`);
  return BigInt(match[2]);
}

export function idToGid(id: bigint | number | string, type: string): string {
  return `gid://shopify/${type}/${id}`;
}
