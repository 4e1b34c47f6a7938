"""What an integration reaches: the simulated backends (Lambda functions, HTTP services, AWS
service actions) and the Lambda proxy event shape.

May import: `model`.
"""
