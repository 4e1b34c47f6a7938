"""The sandbox console's forms, one module per resource, beside the views that use them:
`console` (the API page's editors, deploy, test), `stages`, `keys`, `functions`, `iam`,
`cognito`, `authorizers`, `traffic`, `metrics`, `openapi`, `v2`; what they share is `common`.

A form that changes the sandbox has `apply(account, ...)`: it runs the engine's operation on the
fresh Account that `SandboxAccount.editing` hands out and returns a sentence for the learner. The
engine's own errors propagate; the view turns them into form errors with `add_engine_error`.
"""
