"""HTTP APIs and WebSocket APIs (API Gateway v2): their set-up and what a caller sees.

`apis` gathers the public API. Below it: `websocket` and `http` (invoking) on `integrations`,
`authorization` and `events` on `call` (one HTTP call in flight) and `compiled` (deployments
compiled once) on `setup` (what the console and the apigatewayv2 API change) and `constants`.
WebSocket APIs stay in this package rather than a `websocket/` of their own: they are the same
apigatewayv2 resources as HTTP APIs (APIs, routes, integrations, authorizers, stages), set up by
the same functions and authorized by the same code, so a separate package would only import
this one's every module.

May import: `model`, `integrations`, `auth`.
"""
