import type pg from "pg";
import { shopLockStatement } from "#app/metrics/rollup-lock";

/**
 * Takes the shop's rollup lock in `client`'s open transaction (BEGIN first), as another process
 * rebuilding the shop holds it; COMMIT or ROLLBACK gives it back.
 */
export async function holdShopLock(client: pg.Client, shop: string): Promise<void> {
  const statement = shopLockStatement(shop);
  await client.query(statement.text, statement.values);
}
