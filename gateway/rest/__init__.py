"""Invoking a REST API: routing, the compiled deployment, the request pipeline (method request
checks, integrations, integration and method responses), request validation and CORS.

May import: every package but `v2`.
"""
