// `metryka metrics --json`: every metric for a range as one JSON object, for agencies and
// scripts. Money is integer minor units of `currency`; rates are fractions (4 decimals).
import { conversionOverview } from "#app/metrics/conversion.server";
import { conversionBreakdowns } from "#app/metrics/conversion-breakdowns.server";
import type { Comparison, DateRange, Granularity } from "#app/metrics/periods";
import { atRiskOverview, retentionOverview } from "#app/metrics/retention.server";
import type { CohortGranularity } from "#app/metrics/retention";
import { predictionOverview } from "#app/metrics/prediction.server";
import { salesOverview } from "#app/metrics/sales.server";

export interface MetricsQuery {
  range: DateRange;
  granularity: Granularity;
  compareTo: Comparison | null;
  cohortGranularity: CohortGranularity;
}

export async function metricsReport(shop: string, query: MetricsQuery, now: Date) {
  const clock = { now };
  const [sales, retention, atRisk, conversion, prediction] = await Promise.all([
    salesOverview(shop, { range: query.range, granularity: query.granularity, compareTo: query.compareTo }, clock),
    retentionOverview(shop, { range: query.range, cohortGranularity: query.cohortGranularity }, clock),
    atRiskOverview(shop, { limit: 20 }, clock),
    conversionOverview(shop, { range: query.range, granularity: query.granularity }, clock),
    predictionOverview(shop, clock),
  ]);
  // From the overview's source only, so the breakdowns never mix the two.
  const breakdowns = await conversionBreakdowns(shop, { range: query.range, source: conversion.source }, conversion.timeZone);
  return {
    shop,
    currency: sales.currency,
    timeZone: sales.timeZone,
    range: sales.range,
    granularity: sales.granularity,
    now: sales.now,
    settings: sales.settings,
    sales: {
      ...sales.totals,
      series: sales.series.map(({ period, start, end, partial, netSales, grossSales, discounts, returns, orders, growth, growthBase }) => ({
        period,
        start,
        end,
        partial,
        netSales,
        grossSales,
        discounts,
        returns,
        orders,
        growth,
        growthBase,
      })),
      comparison: sales.comparison,
      netSalesCmgr: sales.netSalesCmgr,
      otherCurrencies: sales.otherCurrencies,
    },
    retention: {
      ...retention.activity,
      customerRetentionRate: retention.retention.retentionRate,
      churnRate: retention.retention.churnRate,
      customerRetention: retention.retention,
      timeBetweenOrders: {
        // Days between a customer's consecutive counted orders (later orders in the range).
        medianDays: retention.timeBetweenOrders.betweenOrders.median,
        p25Days: retention.timeBetweenOrders.betweenOrders.p25,
        p75Days: retention.timeBetweenOrders.betweenOrders.p75,
        betweenOrders: retention.timeBetweenOrders.betweenOrders,
        firstToSecond: retention.timeBetweenOrders.firstToSecond,
      },
      cohortGranularity: retention.cohortGranularity,
      cohorts: retention.cohorts.map((cohort) => ({
        cohort: cohort.cohort,
        size: cohort.size,
        retention: cohort.cells.map((cell) => cell.retention),
        customers: cohort.cells.map((cell) => cell.customers),
        netSales: cohort.cells.map((cell) => cell.netSales),
        lifetimeValue: cohort.cells.map((cell) => cell.lifetimeValue),
        partial: cohort.cells.at(-1)?.partial ?? false,
      })),
      atRisk: {
        lapsePointDays: atRisk.lapsePointDays,
        customers: atRisk.total,
        top: atRisk.customers,
      },
      // BG/NBD + Gamma-Gamma fitted on every customer as of now (docs/metrics.md, "Predictions"),
      // or { status: "not_enough_history", reason }.
      prediction,
    },
    conversion: {
      source: conversion.source,
      ...conversion.totals,
      series: conversion.series,
      breakdowns: breakdowns.dimensions,
    },
  };
}
