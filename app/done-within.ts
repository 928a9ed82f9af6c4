/**
 * Whether `work` is done within `ms`: true once it resolves, false if it is still running then
 * (it goes on), and its error if it fails in time. Without `ms`, waits for it whatever it takes.
 */
export async function doneWithin(work: Promise<unknown>, ms: number | undefined): Promise<boolean> {
  if (ms === undefined) {
    await work;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
