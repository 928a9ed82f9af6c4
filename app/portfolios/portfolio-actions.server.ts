// The form posted from Settings' portfolio card, as one of the membership changes. A request
// that cannot be carried out throws PortfolioRequestError (400) or PortfolioNotFoundError (404).
import { z } from "zod";
import {
  createPortfolio,
  dissolvePortfolio,
  joinPortfolio,
  leavePortfolio,
  PortfolioRequestError,
  removeMember,
  renewCode,
  type Actor,
} from "./portfolios.server";

const form = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create"), name: z.string() }),
  z.object({ intent: z.literal("join"), code: z.string().max(100) }),
  z.object({ intent: z.literal("leave"), portfolio: z.string().max(100) }),
  z.object({ intent: z.literal("remove"), portfolio: z.string().max(100), member: z.string().max(255) }),
  z.object({ intent: z.literal("renew"), portfolio: z.string().max(100) }),
  z.object({ intent: z.literal("dissolve"), portfolio: z.string().max(100) }),
]);

export type PortfolioActionResult =
  | { ok: true; intent: "create" | "renew"; portfolio: string; code: string }
  | { ok: true; intent: "join"; portfolio: string; name: string }
  | { ok: true; intent: "leave" | "remove" | "dissolve"; portfolio: string };

export async function portfolioAction(actor: Actor, data: FormData): Promise<PortfolioActionResult> {
  const parsed = form.safeParse(Object.fromEntries(data));
  if (!parsed.success) throw new PortfolioRequestError("unknownRequest", "This portfolio request is not one Metryka knows.");
  const request = parsed.data;
  switch (request.intent) {
    case "create": {
      const { id, code } = await createPortfolio(actor, request.name);
      return { ok: true, intent: "create", portfolio: id, code };
    }
    case "join": {
      const joined = await joinPortfolio(actor, request.code);
      return { ok: true, intent: "join", portfolio: joined.id, name: joined.name };
    }
    case "leave":
      await leavePortfolio(actor, request.portfolio);
      return { ok: true, intent: "leave", portfolio: request.portfolio };
    case "remove":
      await removeMember(actor, request.portfolio, request.member);
      return { ok: true, intent: "remove", portfolio: request.portfolio };
    case "renew": {
      const { code } = await renewCode(actor, request.portfolio);
      return { ok: true, intent: "renew", portfolio: request.portfolio, code };
    }
    case "dissolve":
      await dissolvePortfolio(actor, request.portfolio);
      return { ok: true, intent: "dissolve", portfolio: request.portfolio };
  }
}
