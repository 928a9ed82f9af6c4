// GIVEN a download the app refuses, as its route answers it (`badRequest.page`: a store being
// recomputed, stores of a portfolio's file being recomputed, a range it cannot serve, a plain
// 404) or a failure with no refusal in it, WHEN the page says why, THEN it is in the admin's
// language: the recompute with its zone, currency and times (each store's, by name, for a
// portfolio), the range's refusal translated, and never a server's page or a network error's text.
import { describe, expect, it } from "vitest";
import { badRequest } from "#app/http.server";
import { translator, type Locale } from "#app/i18n";
import { RecomputingError, StoresRecomputingError } from "#app/metrics/context.server";
import { validateRange } from "#app/metrics/periods";
import { downloadFailureText, type DownloadFailure } from "./download";
import { formatter } from "./format";

/** What the route answers when `work` throws, read back as `downloadFile` reads it. */
async function refused(work: () => unknown): Promise<DownloadFailure> {
  const answer: unknown = await badRequest.page(async () => work()).catch((thrown: unknown) => thrown);
  if (!(answer instanceof Response)) throw new Error("the route did not refuse");
  expect(answer.headers.get("Content-Type")).toMatch(/^application\/json/);
  return { status: answer.status, body: await answer.json() };
}

const say = (failure: DownloadFailure, locale: Locale) => downloadFailureText(failure, translator(locale), formatter(locale).duration);

describe("a refused download, in the admin's language", () => {
  it("says that the store is being recomputed, in which zone and currency, for how long and how long the last took", async () => {
    const failure = await refused(() => {
      throw new RecomputingError("Asia/Tokyo", "EUR", { elapsedSeconds: 12.4, lastSeconds: 150 });
    });
    expect(failure.status).toBe(503);
    expect(say(failure, "en")).toEqual([
      translator("en")("common.downloadRecomputing", { timeZone: "Asia/Tokyo", currency: "EUR" }),
      "Running for 12 seconds. The last recompute of this store took 3 minutes.",
    ]);
    const polish = say(failure, "pl");
    expect(polish[0]).toContain("w strefie Asia/Tokyo i walucie EUR");
    expect(polish[1]).toBe(translator("pl")("common.recomputingSince", { elapsed: "12 sekund", last: "3 minuty" }));
  });

  it("says only that it is being recomputed when no rebuild holds the store yet, or none was timed", async () => {
    const waiting = await refused(() => {
      throw new RecomputingError("Europe/Warsaw", "PLN", { elapsedSeconds: null, lastSeconds: 40 });
    });
    expect(say(waiting, "pl")).toEqual([translator("pl")("common.downloadRecomputing", { timeZone: "Europe/Warsaw", currency: "PLN" })]);
    const first = await refused(() => {
      throw new RecomputingError("Europe/Warsaw", "PLN", { elapsedSeconds: 5, lastSeconds: null });
    });
    expect(say(first, "en")[1]).toBe("Running for 5 seconds.");
  });

  it("names each store of a file whose numbers are being recomputed, with its zone, currency and times", async () => {
    const failure = await refused(() => {
      throw new StoresRecomputingError([
        { shop: "kunde.myshopify.com", name: "Kunde Berlin", timeZone: "Asia/Tokyo", currency: "EUR", progress: { elapsedSeconds: 12.4, lastSeconds: 150 } },
        { shop: "sklep.myshopify.com", name: "Sklep & Co", timeZone: "Europe/Warsaw", currency: "PLN", progress: { elapsedSeconds: null, lastSeconds: 40 } },
      ]);
    });
    expect(failure.status).toBe(503);
    expect(say(failure, "en")).toEqual([
      translator("en")("common.downloadStoresRecomputing", { count: 2 }),
      "Kunde Berlin: recomputing in Asia/Tokyo and EUR, running for 12 seconds (the last recompute took 3 minutes)",
      "Sklep & Co: recomputing in Europe/Warsaw and PLN",
    ]);
    expect(say(failure, "en")[0]).toContain("the numbers of 2 stores in this file");
    const polish = say(failure, "pl");
    expect(polish[0]).toContain("dane 2 sklepów w tym pliku");
    expect(polish[1]).toBe("Kunde Berlin: przeliczanie w strefie Asia/Tokyo i walucie EUR, czas od rozpoczęcia: 12 sekund (poprzednie przeliczenie: 3 minuty)");
    const one = await refused(() => {
      throw new StoresRecomputingError([{ shop: "kunde.myshopify.com", name: "Kunde Berlin", timeZone: "Asia/Tokyo", currency: "EUR", progress: null }]);
    });
    expect(say(one, "pl")[0]).toContain("dane jednego ze sklepów");
    // A 503 naming no store is not one.
    expect(say({ status: 503, body: { message: "x", refusal: null, recomputingStores: [] } }, "en")).toEqual([translator("en")("common.downloadUnexpected")]);
  });

  it("translates a range the export cannot serve", async () => {
    const failure = await refused(() => validateRange({ from: "2026-05-01", to: "2026-01-01" }));
    expect(failure.status).toBe(400);
    const [line] = say(failure, "pl");
    expect(line).toBe(
      translator("pl")("common.downloadRefused", {
        detail: translator("pl")("rangeErrors.endBeforeStart", { from: "2026-05-01", to: "2026-01-01" }),
      }),
    );
    expect(line).toContain("zakres musi kończyć się później");
  });

  it("gives a plain 4xx's text as the detail, and nothing of a server error's or a lost connection's", () => {
    expect(say({ status: 404, body: "No such data request" }, "en")).toEqual(["Metryka cannot make this file (No such data request)."]);
    const unexpected = translator("pl")("common.downloadUnexpected");
    expect(say({ status: 500, body: "<!DOCTYPE html><pre>TypeError: at loader (/app/routes…)</pre>" }, "pl")).toEqual([unexpected]);
    expect(say({ status: 503, body: "upstream unavailable" }, "pl")).toEqual([unexpected]);
    expect(say({ status: null, body: "Failed to fetch" }, "pl")).toEqual([unexpected]);
  });
});
