"""How much may be called: API keys, usage plans, throttling, quotas (`limits`) and the stage
cache (`cache`).

May import: `model`.
"""
