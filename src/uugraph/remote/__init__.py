"""Talking to SPARQL servers elsewhere: one HTTP client, publishing, remote queries.

Every verb that reaches a server (``publish``, ``query --endpoint``,
``reconcile``) goes through :mod:`~uugraph.remote.client`: one set of
timeouts, retries, credentials and error classes.
"""
