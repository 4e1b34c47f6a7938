"""Mapping templates (Velocity) as API Gateway renders them, in a sandbox: the evaluator,
`$input`, `$util`, `$context` and the Java regular expressions they use.

May import: nothing of the engine (pure).
"""
