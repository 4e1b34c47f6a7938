"""The sandbox console's views, one module per resource: `console` (APIs, the resource tree, the
method editors, deploy and test), `stages`, `keys` (API keys and usage plans), `functions`,
`iam`, `cognito`, `authorizers`, `traffic`, `metrics`, `openapi`, `v2` (HTTP and WebSocket
APIs) and `labs`; what they share is `common`. Views are thin: the forms in `sandbox.forms`
apply changes, the gateway engine computes.
"""
