"""People: who uses the portal (users, roles, status), the groups they belong to, what they may
see (targeting) and who may call an endpoint (access). Below every domain."""
