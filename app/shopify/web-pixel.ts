// Activating the app's web pixel on a shop (scopes write_pixels, read_customer_events):
// create it with its settings; when it exists already (TAKEN), read its id and update it.
// https://shopify.dev/docs/apps/build/marketing-analytics/build-web-pixels

export const WEB_PIXEL_CREATE = /* GraphQL */ `
  mutation WebPixelCreate($settings: JSON!) {
    webPixelCreate(webPixel: { settings: $settings }) {
      userErrors {
        code
        field
        message
      }
      webPixel {
        id
      }
    }
  }
`;

export const WEB_PIXEL_UPDATE = /* GraphQL */ `
  mutation WebPixelUpdate($id: ID!, $settings: JSON!) {
    webPixelUpdate(id: $id, webPixel: { settings: $settings }) {
      userErrors {
        code
        field
        message
      }
      webPixel {
        id
      }
    }
  }
`;

/** The app's own pixel on the shop (without an id, Shopify returns the calling app's). */
export const WEB_PIXEL = /* GraphQL */ `
  query WebPixel {
    webPixel {
      id
    }
  }
`;

/** The shop's primary domain: its storefront origin, besides <shop>.myshopify.com. */
export const SHOP_PRIMARY_DOMAIN = /* GraphQL */ `
  query ShopPrimaryDomain {
    shop {
      primaryDomain {
        host
        sslEnabled
      }
    }
  }
`;

export interface WebPixelPayload {
  userErrors: Array<{ code: string | null; field: string[] | null; message: string }>;
  webPixel: { id: string } | null;
}
