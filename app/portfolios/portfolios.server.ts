// Portfolios: stores that agreed to show their key metrics to each other's admins (an agency and
// its client stores). Consent is per store and only ever given from that store's own admin:
// - the owner store creates a portfolio and gets an invitation code, shown once (only its
//   SHA-256 is kept; a new code can be made, which retires the old one);
// - another store joins by entering the code in its own Metryka;
// - a member leaves, the owner removes a member, or the owner dissolves the portfolio; each
//   takes effect at once (pages read membership on every request).
// Every join, leave, removal and new code is recorded with the store and staff member who did it
// and when, and shown to every member. Every function takes the acting store from its session:
// a store that is not a member of a portfolio gets a PortfolioNotFoundError (404) for it, the
// same answer as for an id that does not exist, so ids of other portfolios reveal nothing.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import prisma from "#app/db.server";

/** Not a portfolio this store is a member of (or the owner of, for owner-only actions): 404. */
export class PortfolioNotFoundError extends Error {
  readonly status = 404;
  readonly key = "notFound";
  constructor() {
    super("No such portfolio");
    this.name = "PortfolioNotFoundError";
  }
}

/** Why a portfolio request is refused; the page says it in the admin's language (`portfolioErrors.<key>`). */
export type PortfolioRefusal =
  | "unknownRequest"
  | "nameMissing"
  | "nameTooLong"
  | "badCode"
  | "unknownCode"
  | "alreadyMember"
  | "ownerCannotLeave"
  | "ownerCannotRemoveSelf"
  | "notMember";

/** A request that cannot be carried out as asked (a bad name, a wrong code): 400 with why, in English and by key. */
export class PortfolioRequestError extends Error {
  readonly status = 400;
  constructor(
    readonly key: PortfolioRefusal,
    message: string,
  ) {
    super(message);
    this.name = "PortfolioRequestError";
  }
}

export type PortfolioEventKind = "created" | "joined" | "left" | "removed" | "code_renewed";

/** Who acted: the store whose admin it was, and the staff member's user id when known. */
export interface Actor {
  shop: string;
  userId: string | null;
}

export interface PortfolioSummary {
  id: string;
  name: string;
  owner: string;
  /** The acting store owns it. */
  owned: boolean;
  createdAt: string;
  members: Array<{ shop: string; name: string; joinedAt: string }>;
  events: Array<{ kind: PortfolioEventKind; shop: string; byShop: string; byUser: string | null; at: string }>;
}

// Codes: 12 characters of Crockford's base32 (no I, L, O, U), 60 bits, shown as XXXX-XXXX-XXXX.
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 12;
/** How many events each portfolio shows (the newest). */
const EVENTS_SHOWN = 50;

const nameSchema = z
  .string()
  .trim()
  .min(1, "Give the portfolio a name.")
  .max(80, "A portfolio name is at most 80 characters.");

function newCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  const chars = Array.from(bytes, (byte) => CODE_ALPHABET[byte % 32]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((group) => group.join("")).join("-");
}

/** The code as typed (any case, spaces or dashes, Crockford's look-alikes) in its one form, or null. */
export function normaliseCode(typed: string): string | null {
  const plain = typed
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/[IL]/g, "1")
    .replace(/O/g, "0");
  if (plain.length !== CODE_LENGTH || [...plain].some((c) => !CODE_ALPHABET.includes(c))) return null;
  return plain;
}

const codeHash = (normalised: string) => createHash("sha256").update(normalised).digest("hex");

async function record(portfolioId: string, kind: PortfolioEventKind, shop: string, by: Actor, tx: Pick<typeof prisma, "portfolioEvent"> = prisma) {
  await tx.portfolioEvent.create({ data: { portfolioId, kind, shop, byShop: by.shop, byUser: by.userId } });
}

/** Creates a portfolio owned by the acting store (its first member); returns it and its code. */
export async function createPortfolio(by: Actor, name: string): Promise<{ id: string; code: string }> {
  const parsed = nameSchema.safeParse(name);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PortfolioRequestError(issue.code === "too_big" ? "nameTooLong" : "nameMissing", issue.message);
  }
  const id = randomUUID();
  const code = newCode();
  await prisma.$transaction(async (tx) => {
    await tx.portfolio.create({ data: { id, shop: by.shop, name: parsed.data, inviteCodeHash: codeHash(normaliseCode(code)!) } });
    await tx.portfolioMember.create({ data: { portfolioId: id, shop: by.shop } });
    await record(id, "created", by.shop, by, tx);
  });
  return { id, code };
}

async function ownedPortfolio(by: Actor, portfolioId: string) {
  const portfolio = await prisma.portfolio.findUnique({ where: { id: portfolioId }, select: { id: true, shop: true } });
  if (!portfolio || portfolio.shop !== by.shop) throw new PortfolioNotFoundError();
  return portfolio;
}

/** A new invitation code for a portfolio the acting store owns; the old one stops working. */
export async function renewCode(by: Actor, portfolioId: string): Promise<{ code: string }> {
  await ownedPortfolio(by, portfolioId);
  const code = newCode();
  await prisma.$transaction(async (tx) => {
    await tx.portfolio.update({ where: { id: portfolioId }, data: { inviteCodeHash: codeHash(normaliseCode(code)!) } });
    await record(portfolioId, "code_renewed", by.shop, by, tx);
  });
  return { code };
}

/** The acting store joins the portfolio whose code this is. */
export async function joinPortfolio(by: Actor, typedCode: string): Promise<{ id: string; name: string }> {
  const code = normaliseCode(typedCode);
  if (!code) throw new PortfolioRequestError("badCode", "An invitation code has 12 letters and digits, like ABCD-2345-WXYZ.");
  const portfolio = await prisma.portfolio.findUnique({ where: { inviteCodeHash: codeHash(code) }, select: { id: true, name: true } });
  if (!portfolio) throw new PortfolioRequestError("unknownCode", "No portfolio has this invitation code. Ask its owner for a current one.");
  await prisma.$transaction(async (tx) => {
    const joined = await tx.portfolioMember.createMany({ data: [{ portfolioId: portfolio.id, shop: by.shop }], skipDuplicates: true });
    if (joined.count === 0) throw new PortfolioRequestError("alreadyMember", "This store is already a member of that portfolio.");
    await record(portfolio.id, "joined", by.shop, by, tx);
  });
  return portfolio;
}

/**
 * The acting store leaves a portfolio it is a member of. The owner cannot leave its own
 * portfolio: it dissolves it instead (dissolvePortfolio).
 */
export async function leavePortfolio(by: Actor, portfolioId: string): Promise<void> {
  const portfolio = await prisma.portfolio.findUnique({ where: { id: portfolioId }, select: { shop: true } });
  if (!portfolio) throw new PortfolioNotFoundError();
  if (portfolio.shop === by.shop) throw new PortfolioRequestError("ownerCannotLeave", "The owner store cannot leave its portfolio; dissolve it instead.");
  await prisma.$transaction(async (tx) => {
    const left = await tx.portfolioMember.deleteMany({ where: { portfolioId, shop: by.shop } });
    if (left.count === 0) throw new PortfolioNotFoundError();
    await record(portfolioId, "left", by.shop, by, tx);
  });
}

/** The owner removes another store from its portfolio. */
export async function removeMember(by: Actor, portfolioId: string, member: string): Promise<void> {
  await ownedPortfolio(by, portfolioId);
  if (member === by.shop) throw new PortfolioRequestError("ownerCannotRemoveSelf", "The owner store cannot remove itself; dissolve the portfolio instead.");
  await prisma.$transaction(async (tx) => {
    const removed = await tx.portfolioMember.deleteMany({ where: { portfolioId, shop: member } });
    if (removed.count === 0) throw new PortfolioRequestError("notMember", "That store is not a member of this portfolio.");
    await record(portfolioId, "removed", member, by, tx);
  });
}

/** The owner dissolves its portfolio: every member, and the record, go with it. */
export async function dissolvePortfolio(by: Actor, portfolioId: string): Promise<void> {
  await ownedPortfolio(by, portfolioId);
  await prisma.portfolio.delete({ where: { id: portfolioId } });
}

/** The portfolios the store is a member of, with their members and their newest events. */
export async function portfoliosOf(shop: string): Promise<PortfolioSummary[]> {
  const portfolios = await prisma.portfolio.findMany({
    where: { members: { some: { shop } } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: {
      members: { orderBy: [{ joinedAt: "asc" }, { shop: "asc" }] },
      events: { orderBy: [{ at: "desc" }, { id: "desc" }], take: EVENTS_SHOWN },
    },
  });
  const names = await shopNames(portfolios.flatMap((p) => p.members.map((m) => m.shop)));
  return portfolios.map((p) => ({
    id: p.id,
    name: p.name,
    owner: p.shop,
    owned: p.shop === shop,
    createdAt: p.createdAt.toISOString(),
    members: p.members.map((m) => ({ shop: m.shop, name: names.get(m.shop) ?? m.shop, joinedAt: m.joinedAt.toISOString() })),
    events: p.events.map((e) => ({ kind: e.kind as PortfolioEventKind, shop: e.shop, byShop: e.byShop, byUser: e.byUser, at: e.at.toISOString() })),
  }));
}

/** The member stores of a portfolio the store is a member of; PortfolioNotFoundError otherwise. */
export async function portfolioMembers(shop: string, portfolioId: string): Promise<{ id: string; name: string; members: string[] }> {
  const portfolio = await prisma.portfolio.findFirst({
    where: { id: portfolioId, members: { some: { shop } } },
    select: { id: true, name: true, members: { select: { shop: true }, orderBy: { shop: "asc" } } },
  });
  if (!portfolio) throw new PortfolioNotFoundError();
  return { id: portfolio.id, name: portfolio.name, members: portfolio.members.map((m) => m.shop) };
}

async function shopNames(shops: string[]): Promise<Map<string, string>> {
  const rows = await prisma.shop.findMany({ where: { domain: { in: [...new Set(shops)] } }, select: { domain: true, name: true } });
  return new Map(rows.map((row) => [row.domain, row.name ?? row.domain]));
}
