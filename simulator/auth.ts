/**
 * Shopify's app authentication, as `@shopify/shopify-api` 15 calls it:
 * - `POST /admin/oauth/access_token` with the authorization-code grant, token exchange
 *   (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/token-exchange),
 *   client credentials and refresh tokens (expiring offline tokens); JSON or form bodies.
 * - `GET /admin/oauth/authorize`, which "approves" at once and redirects back with `code`, `hmac`,
 *   `host`, `shop`, `state`, `timestamp`, signed the way the library checks them.
 * - Session tokens (App Bridge id tokens): HS256 JWTs signed with the app secret, verified here
 *   (`sessionToken` in app-bridge.ts signs them).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

/** Seconds an online token lives (Shopify: 24 h minus a second). */
export const ONLINE_TOKEN_TTL = 86_399;
/** Seconds an expiring offline token lives, and its refresh token. */
export const EXPIRING_TOKEN_TTL = 3_600;
export const REFRESH_TOKEN_TTL = 7_776_000;

const JWT_CLOCK_TOLERANCE_SECONDS = 10;

export type GrantType = "authorization_code" | "token_exchange" | "client_credentials" | "refresh_token" | "manual";

/** A token the simulator issued. */
export interface IssuedToken {
  shop: string;
  accessToken: string;
  /** Comma-separated scopes, as in Shopify's responses. */
  scope: string;
  kind: "offline" | "online";
  /** The staff member an online token belongs to (the session token's `sub`). */
  userId: number | null;
  grant: GrantType;
  issuedAt: string;
  expiresAt: string | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: string | null;
  revoked: boolean;
}

export interface SessionTokenPayload {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  [claim: string]: unknown;
}

export type SessionTokenCheck = { ok: true; payload: SessionTokenPayload } | { ok: false; reason: string };

/** Verifies signature, algorithm, time window, audience and destination of a session token. */
export function verifySessionToken(token: string, params: { apiKey: string; apiSecret: string; shop: string; nowMs: number }): SessionTokenCheck {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "not a JWT" };
  const [headerPart, bodyPart, signaturePart] = parts;
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(bodyPart, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed JWT" };
  }
  if (typeof header !== "object" || header === null || (header as { alg?: unknown }).alg !== "HS256") {
    return { ok: false, reason: "unsupported JWT algorithm (HS256 expected)" };
  }
  const expected = createHmac("sha256", params.apiSecret).update(`${headerPart}.${bodyPart}`).digest();
  const given = Buffer.from(signaturePart, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature verification failed" };
  if (typeof payload !== "object" || payload === null) return { ok: false, reason: "malformed JWT payload" };
  const claims = payload as Partial<SessionTokenPayload>;
  const now = params.nowMs / 1000;
  if (typeof claims.exp !== "number" || claims.exp + JWT_CLOCK_TOLERANCE_SECONDS < now) return { ok: false, reason: "token expired" };
  if (typeof claims.nbf === "number" && claims.nbf - JWT_CLOCK_TOLERANCE_SECONDS > now) return { ok: false, reason: "token not yet valid" };
  if (claims.aud !== params.apiKey) return { ok: false, reason: "audience does not match the client id" };
  if (claims.dest !== `https://${params.shop}`) return { ok: false, reason: `destination ${String(claims.dest)} is not https://${params.shop}` };
  if (typeof claims.sub !== "string" && claims.sub !== undefined) return { ok: false, reason: "invalid subject" };
  return { ok: true, payload: claims as SessionTokenPayload };
}

/** HMAC of an OAuth redirect query, as `@shopify/shopify-api` validates it (hex, sorted, %20 for spaces). */
export function signOAuthQuery(params: Record<string, string>, apiSecret: string): string {
  const query = new URLSearchParams();
  for (const key of Object.keys(params).sort((a, b) => a.localeCompare(b))) {
    if (key === "hmac" || key === "signature") continue;
    query.append(key, params[key]);
  }
  return createHmac("sha256", apiSecret).update(query.toString().replace(/\+/g, "%20")).digest("hex");
}

export interface OAuthError {
  status: number;
  body: { error: string; error_description: string };
}

export type TokenEndpointResult = { status: 200; body: Record<string, unknown>; token: IssuedToken } | OAuthError;

export interface AuthConfig {
  apiKey: string;
  apiSecret: string;
  /** Scopes granted on install, comma-separated. */
  scopes: string;
  now: () => Date;
}

function oauthError(status: number, error: string, description: string): OAuthError {
  return { status, body: { error, error_description: description } };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Issued tokens, authorization codes and the rules of the token endpoint. */
export class TokenRegistry {
  private readonly tokens: IssuedToken[] = [];
  private readonly codes = new Map<string, { shop: string; scope: string; userId: number | null; online: boolean }>();

  constructor(private readonly config: AuthConfig) {}

  list(): IssuedToken[] {
    return this.tokens.slice();
  }

  /** The valid (not revoked, not expired) token `accessToken` of `shop`, if any. */
  find(shop: string, accessToken: string): IssuedToken | null {
    const now = this.config.now().getTime();
    for (const token of this.tokens) {
      if (token.shop !== shop || token.revoked || !safeEqual(token.accessToken, accessToken)) continue;
      if (token.expiresAt && Date.parse(token.expiresAt) <= now) return null;
      return token;
    }
    return null;
  }

  /** Revokes every token of the shop (uninstall). */
  revokeShop(shop: string): number {
    let count = 0;
    for (const token of this.tokens) {
      if (token.shop === shop && !token.revoked) {
        token.revoked = true;
        count++;
      }
    }
    return count;
  }

  /** Issues a token directly (tests, demo); Shopify's equivalent is a custom app's admin token. */
  issue(params: { shop: string; kind?: "offline" | "online"; scope?: string; userId?: number | null; grant?: GrantType; expiring?: boolean }): IssuedToken {
    const now = this.config.now().getTime();
    const kind = params.kind ?? "offline";
    const expiring = kind === "online" || params.expiring === true;
    const ttl = kind === "online" ? ONLINE_TOKEN_TTL : EXPIRING_TOKEN_TTL;
    const token: IssuedToken = {
      shop: params.shop,
      accessToken: `${kind === "online" ? "shpua" : "shpat"}_${randomBytes(16).toString("hex")}`,
      scope: params.scope ?? this.config.scopes,
      kind,
      userId: params.userId ?? null,
      grant: params.grant ?? "manual",
      issuedAt: new Date(now).toISOString(),
      expiresAt: expiring ? new Date(now + ttl * 1000).toISOString() : null,
      refreshToken: kind === "offline" && expiring ? `shprt_${randomBytes(16).toString("hex")}` : null,
      refreshTokenExpiresAt: kind === "offline" && expiring ? new Date(now + REFRESH_TOKEN_TTL * 1000).toISOString() : null,
      revoked: false,
    };
    this.tokens.push(token);
    return token;
  }

  /** Creates a one-time authorization code, as the authorize screen would after the merchant approves. */
  createCode(shop: string, options: { online?: boolean; userId?: number } = {}): string {
    const code = randomBytes(16).toString("hex");
    this.codes.set(code, { shop, scope: this.config.scopes, userId: options.userId ?? null, online: options.online ?? false });
    return code;
  }

  /** Builds the redirect back to the app after `GET /admin/oauth/authorize`. */
  authorizeRedirect(shop: string, query: URLSearchParams): { status: number; location?: string; body?: OAuthError["body"] } {
    const clientId = query.get("client_id");
    const redirectUri = query.get("redirect_uri");
    if (clientId !== this.config.apiKey) return { status: 400, body: oauthError(400, "invalid_request", "Unknown client_id").body };
    if (!redirectUri) return { status: 400, body: oauthError(400, "invalid_request", "Missing redirect_uri").body };
    const online = query.getAll("grant_options[]").includes("per-user");
    const params: Record<string, string> = {
      code: this.createCode(shop, { online, userId: online ? 90_000_001 : undefined }),
      host: Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64").replace(/=+$/, ""),
      shop,
      state: query.get("state") ?? "",
      timestamp: String(Math.floor(this.config.now().getTime() / 1000)),
    };
    params.hmac = signOAuthQuery(params, this.config.apiSecret);
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { status: 302, location: url.toString() };
  }

  /** `POST /<shop>/admin/oauth/access_token`. */
  accessTokenRequest(shop: string, body: Record<string, string>): TokenEndpointResult {
    const clientId = body.client_id ?? "";
    const clientSecret = body.client_secret ?? "";
    if (!clientId || !clientSecret) return oauthError(400, "invalid_request", "client_id and client_secret are required");
    if (!safeEqual(clientId, this.config.apiKey) || !safeEqual(clientSecret, this.config.apiSecret)) {
      return oauthError(401, "invalid_client", "Client authentication failed: the client_id or client_secret is invalid");
    }
    const expiring = body.expiring === "1" || body.expiring === "true";
    const grantType = body.grant_type ?? (body.code ? "authorization_code" : "");

    if (grantType === "authorization_code") {
      const code = body.code ? this.codes.get(body.code) : undefined;
      if (!code || code.shop !== shop) return oauthError(400, "invalid_request", "The authorization code was not found or was already used");
      this.codes.delete(body.code);
      return this.respond(
        this.issue({ shop, kind: code.online ? "online" : "offline", scope: code.scope, userId: code.userId, grant: "authorization_code", expiring }),
      );
    }

    if (grantType === TOKEN_EXCHANGE_GRANT) {
      const requested = body.requested_token_type;
      if (body.subject_token_type === OFFLINE_TOKEN_TYPE && requested === OFFLINE_TOKEN_TYPE) {
        // Migration of a non-expiring offline token to an expiring one.
        const existing = body.subject_token ? this.find(shop, body.subject_token) : null;
        if (!existing || existing.kind !== "offline") return oauthError(400, "invalid_subject_token", "The subject token is not a valid offline access token");
        existing.revoked = true;
        return this.respond(this.issue({ shop, kind: "offline", scope: existing.scope, grant: "token_exchange", expiring: true }));
      }
      if (!body.subject_token) return oauthError(400, "invalid_request", "subject_token is required");
      if (body.subject_token_type !== ID_TOKEN_TYPE) return oauthError(400, "invalid_request", `subject_token_type must be ${ID_TOKEN_TYPE}`);
      if (requested !== OFFLINE_TOKEN_TYPE && requested !== ONLINE_TOKEN_TYPE) {
        return oauthError(400, "invalid_request", `requested_token_type must be ${OFFLINE_TOKEN_TYPE} or ${ONLINE_TOKEN_TYPE}`);
      }
      const check = verifySessionToken(body.subject_token, {
        apiKey: this.config.apiKey,
        apiSecret: this.config.apiSecret,
        shop,
        nowMs: this.config.now().getTime(),
      });
      if (!check.ok) return oauthError(400, "invalid_subject_token", `Invalid subject token: ${check.reason}`);
      const online = requested === ONLINE_TOKEN_TYPE;
      const userId = Number(check.payload.sub);
      return this.respond(
        this.issue({
          shop,
          kind: online ? "online" : "offline",
          userId: online && Number.isSafeInteger(userId) ? userId : null,
          grant: "token_exchange",
          expiring,
        }),
      );
    }

    if (grantType === "client_credentials") {
      return this.respond(this.issue({ shop, kind: "offline", grant: "client_credentials", expiring: true }));
    }

    if (grantType === "refresh_token") {
      const now = this.config.now().getTime();
      const previous = this.tokens.find((t) => t.shop === shop && t.refreshToken !== null && t.refreshToken === body.refresh_token && !t.revoked);
      if (!previous || (previous.refreshTokenExpiresAt && Date.parse(previous.refreshTokenExpiresAt) <= now)) {
        return oauthError(400, "invalid_grant", "The refresh token is invalid or expired");
      }
      previous.revoked = true;
      return this.respond(this.issue({ shop, kind: "offline", scope: previous.scope, grant: "refresh_token", expiring: true }));
    }

    return oauthError(400, "unsupported_grant_type", `Unsupported grant_type "${grantType}"`);
  }

  private respond(token: IssuedToken): TokenEndpointResult {
    const body: Record<string, unknown> = { access_token: token.accessToken, scope: token.scope };
    const now = Date.parse(token.issuedAt);
    if (token.expiresAt) body.expires_in = Math.round((Date.parse(token.expiresAt) - now) / 1000);
    if (token.refreshToken && token.refreshTokenExpiresAt) {
      body.refresh_token = token.refreshToken;
      body.refresh_token_expires_in = Math.round((Date.parse(token.refreshTokenExpiresAt) - now) / 1000);
    }
    if (token.kind === "online") {
      const id = token.userId ?? 90_000_001;
      body.associated_user_scope = token.scope;
      body.associated_user = {
        id,
        first_name: "Sim",
        last_name: `Staff ${id}`,
        email: `staff.${id}@example.com`,
        account_owner: id === 90_000_001,
        locale: "en",
        collaborator: false,
        email_verified: true,
      };
    }
    return { status: 200, body, token };
  }
}
