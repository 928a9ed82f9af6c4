// Token buckets by key: `rate` tokens a second refill a bucket of at most `burst`. Kept in the
// process's memory (each web process limits what reaches it); idle buckets are forgotten.
//
// The collector asks once per batch for all of its visitors at once (a storefront's busiest
// minute holds tens of thousands of them), so a request reads the clock once and updates its
// buckets in place.

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  private tokens(bucket: Bucket | undefined, at: number): number {
    return bucket ? Math.min(this.burst, bucket.tokens + ((at - bucket.at) / 1000) * this.rate) : this.burst;
  }

  /**
   * Takes `n` tokens from each key's bucket if every one of them has enough, else takes none
   * (so a refused request costs no one their allowance). A key must appear once.
   */
  takeAll(wanted: Iterable<readonly [key: string, n: number]>): boolean {
    const at = this.now();
    this.sweep(at);
    const list = Array.isArray(wanted) ? (wanted as ReadonlyArray<readonly [string, number]>) : [...wanted];
    for (const [key, n] of list) if (this.tokens(this.buckets.get(key), at) < n) return false;
    for (const [key, n] of list) {
      const bucket = this.buckets.get(key);
      if (bucket) {
        bucket.tokens = this.tokens(bucket, at) - n;
        bucket.at = at;
      } else {
        this.buckets.set(key, { tokens: this.burst - n, at });
      }
    }
    return true;
  }

  /** Whether `n` tokens are there now (taking none). */
  has(key: string, n: number): boolean {
    return this.tokens(this.buckets.get(key), this.now()) >= n;
  }

  /** Takes `n` tokens from one key's bucket if it has them. */
  take(key: string, n: number): boolean {
    return this.takeAll([[key, n]]);
  }

  /** Full buckets carry nothing worth keeping: dropped every minute. */
  private sweep(at: number): void {
    if (at - this.lastSweep < 60_000) return;
    this.lastSweep = at;
    for (const [key, bucket] of this.buckets) {
      if (this.tokens(bucket, at) >= this.burst) this.buckets.delete(key);
    }
  }

  /** Buckets held (the full ones are dropped by the next sweep). */
  get size(): number {
    return this.buckets.size;
  }
}
