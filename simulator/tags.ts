/**
 * `tagsAdd` and `tagsRemove` on customers, as Shopify answers them: both need `write_customers`
 * (ACCESS_DENIED otherwise); `tagsAdd` takes a list whose strings may each be a comma-separated
 * list, `tagsRemove` a list of tags (the schema's descriptions); an id that is not a customer of
 * the store ("resource not found"), or a tag longer than 255 characters, is a userError
 * and changes nothing; `node` is the customer, whose `tags` read back the change. Other taggable
 * resources (orders, products, …) are not simulated: a NOT_IMPLEMENTED error says so.
 */
import { GraphQLError } from "graphql";
import { addCustomerTags, MAX_TAG_LENGTH, removeCustomerTags, splitTags } from "./mutations";
import type { SimCustomer, SimStore } from "./types";

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/;

function denied(field: string): GraphQLError {
  return new GraphQLError(`Access denied for ${field} field. Required access: \`write_customers\` access scope.`, {
    extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: "`write_customers` access scope." },
  });
}

const userError = (field: string[], message: string) => ({ __typename: "UserError", field, message });

export function tagFields(store: SimStore, scopes: ReadonlySet<string>, nowMs: number, view: (customer: SimCustomer) => unknown) {
  const run = (field: "tagsAdd" | "tagsRemove") => (args: Record<string, unknown>) => {
    if (!scopes.has("write_customers")) throw denied(field);
    const id = typeof args.id === "string" ? args.id : "";
    const tags = Array.isArray(args.tags) ? args.tags.filter((t): t is string => typeof t === "string") : [];
    const match = GID.exec(id);
    if (!match) return { node: null, userErrors: [userError(["id"], "Invalid id")] };
    if (match[1] !== "Customer") {
      throw new GraphQLError(`${field} on a ${match[1]} is not simulated (customers only)`, { extensions: { code: "NOT_IMPLEMENTED" } });
    }
    const customer = store.customers.find((c) => c.id === Number(match[2]));
    if (!customer) return { node: null, userErrors: [userError(["id"], "Resource not found")] };
    const split = field === "tagsAdd" ? splitTags(tags) : tags.map((tag) => tag.trim()).filter((tag) => tag.length > 0);
    if (split.length === 0) return { node: null, userErrors: [userError(["tags"], "Tags can't be blank")] };
    if (field === "tagsAdd" && split.some((tag) => tag.length > MAX_TAG_LENGTH)) {
      return { node: null, userErrors: [userError(["tags"], `Tags is too long (maximum is ${MAX_TAG_LENGTH} characters)`)] };
    }
    const at = new Date(nowMs).toISOString();
    const change = field === "tagsAdd" ? addCustomerTags : removeCustomerTags;
    change(store, { customerId: customer.id, tags: split, at });
    return { node: view(customer), userErrors: [] };
  };
  return { tagsAdd: run("tagsAdd"), tagsRemove: run("tagsRemove") };
}
