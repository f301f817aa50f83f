"""People: administration of accounts (admins and village operators), bulk import,
self-registration with consent, the user's rights under UU PDP, and the audit log viewer."""
