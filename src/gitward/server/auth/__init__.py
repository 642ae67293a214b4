"""Authentication for gitward's API server, framework-free so the HTTP layer stays thin.

- ``accounts``: :class:`Authenticator`: the first start's admin, logins, sessions, API tokens,
  ``authenticate(bearer) -> Principal``.
- ``passwords``: argon2id hashes, the password policy, random passwords.
- ``tokens``: gitward's JWTs (HS256 pinned; ``iss``, ``aud``, ``exp``, ``nbf``, ``jti``).
- ``ratelimit``: login limits per address, overall and per username, kept in the store.
- ``oidc``: single sign-on by OpenID Connect (authorization code with PKCE).
- ``cookies``: the session cookie's attributes and the cross-site request check.
- ``failures``: the errors, each with a stable ``code``.

Authorization (may this principal do that?) is ``gitward.server.rbac``'s; nothing here decides
it. Nothing here logs a password, a token or a client secret.
"""
