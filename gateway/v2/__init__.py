"""HTTP APIs and WebSocket APIs (API Gateway v2): their set-up and what a caller sees.

May import: `model`, `integrations`, `auth`.
"""
