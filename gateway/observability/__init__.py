"""What CloudWatch and X-Ray show for a stage: metrics, execution and access logs, traces.

May import: `model`.
"""
