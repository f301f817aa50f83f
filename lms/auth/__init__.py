"""Identity: users, roles, login and logout, API tokens, and the permission decorators."""
