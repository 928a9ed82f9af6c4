// Token buckets by key: `rate` tokens a second refill a bucket of at most `burst`. Kept in the
// process's memory (each web process limits what reaches it); idle buckets are forgotten.

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

  private current(key: string): Bucket {
    const at = this.now();
    this.sweep(at);
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.burst, at };
    return { tokens: Math.min(this.burst, bucket.tokens + ((at - bucket.at) / 1000) * this.rate), at };
  }

  /** Whether `n` tokens are there now (taking none). */
  has(key: string, n: number): boolean {
    return this.current(key).tokens >= n;
  }

  /** Takes `n` tokens (the bucket may go below zero: the caller checked `has` first). */
  take(key: string, n: number): void {
    const bucket = this.current(key);
    this.buckets.set(key, { tokens: bucket.tokens - n, at: bucket.at });
  }

  /** Full buckets carry nothing worth keeping: dropped every minute. */
  private sweep(at: number): void {
    if (at - this.lastSweep < 60_000) return;
    this.lastSweep = at;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((at - bucket.at) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
  }
}
