// Turning a caller's mistake into a clear 4xx. Errors that carry a 4xx `status` (an impossible
// range, an unknown shop) become a plain-text Response with their message; anything else is a
// bug and stays a 500.
function clientStatus(error: unknown): number | null {
  if (error instanceof Error && "status" in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return status;
  }
  return null;
}

export const badRequest = {
  async wrap<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const status = clientStatus(error);
      if (status !== null) throw new Response((error as Error).message, { status });
      throw error;
    }
  },
};
