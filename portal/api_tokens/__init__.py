"""API tokens: scoped, hashed secrets that let another system (a CRM) call `/api/v1`. Kept at the
platform layer, next to the audit log they sign their writes into, so Manage pages for admins can
live here and every domain's API adapter above can check them."""
