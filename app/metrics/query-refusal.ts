// A query string's parameters are checked with zod; a refused one becomes an InvalidRangeError
// (a 400) whose English message names the parameter and whose refusal a page says in the admin's
// language.
import { z } from "zod";
import { InvalidRangeError, type QueryRefusal } from "./periods";

type PatternRefusal = "notADate" | "notAnAmount";

/** A string parameter that must match `pattern`; refused as `refusal`, `message` in English. */
export function patterned(pattern: RegExp, message: string, refusal: PatternRefusal) {
  return z.string().refine((value) => pattern.test(value), { message, params: { refusal } });
}

function refusalOf(issue: z.ZodIssue, parameter: string, input: Record<string, unknown>): QueryRefusal {
  const value = String(input[parameter] ?? "");
  switch (issue.code) {
    case z.ZodIssueCode.custom: {
      const refusal = issue.params?.refusal as PatternRefusal | undefined;
      return refusal ? { key: refusal, values: { parameter, value } } : { key: "invalid", values: { parameter } };
    }
    case z.ZodIssueCode.invalid_enum_value:
      return { key: "notOneOf", values: { parameter, value: String(issue.received), allowed: issue.options.join(", ") } };
    case z.ZodIssueCode.invalid_type:
      if (issue.received === z.ZodParsedType.undefined) return { key: "missing", values: { parameter } };
      if (issue.expected === z.ZodParsedType.number || issue.expected === z.ZodParsedType.integer) {
        return { key: "notAWholeNumber", values: { parameter } };
      }
      return { key: "invalid", values: { parameter } };
    case z.ZodIssueCode.too_small:
      return { key: "atLeast", values: { parameter, limit: Number(issue.minimum) } };
    case z.ZodIssueCode.too_big:
      return { key: issue.type === "string" ? "tooLong" : "atMost", values: { parameter, limit: Number(issue.maximum) } };
    default:
      return { key: "invalid", values: { parameter } };
  }
}

/** The first of zod's issues with `input` as an InvalidRangeError naming its parameter. */
export function invalidParameter(error: z.ZodError, input: Record<string, unknown>): InvalidRangeError {
  const issue = error.issues[0];
  const parameter = issue.path.join(".");
  return new InvalidRangeError(`${parameter} ${issue.message}`, refusalOf(issue, parameter, input));
}
