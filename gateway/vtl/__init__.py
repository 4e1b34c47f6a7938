"""Mapping templates (Velocity) as API Gateway renders them, in a sandbox: the evaluator,
`$input`, `$util`, `$context` and the Java regular expressions they use.

The public API is `gateway.vtl.engine` (`render`, `render_with_overrides`, `TemplateInput`,
`Limits`, `TemplateError`). Below it, each module one layer: `tree` (airspeed's parsed tree,
re-pointed at sandboxed evaluators) on `methods` (the allow-listed Java methods) on `jsonpath`
and `regexguard` (regular expressions within the time budget, costly ones in a killable helper
process running `javaregex`, which is standard library only) on `values` (printing, JSON,
operators) on `base` (errors, limits, the render state). Underscore names are internal to this
package.

May import: nothing of the engine (pure).
"""
