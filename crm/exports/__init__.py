"""Field exports: a person's planned visits as calendar, contacts, route files, sheet and links."""
