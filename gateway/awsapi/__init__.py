"""AWS's own APIs for the sandbox: apigateway, apigatewayv2, lambda and sts, as the AWS CLI,
boto3 and other SDKs call them (REST-JSON and query protocols, SigV4, IAM, AWS's errors).

Sits above `rest` and `v2` (it changes the model with the console's operations and runs
test-invoke through the pipeline); the web app serves it at /aws/ (`sandbox.aws_endpoint`).
Routes and shapes come from AWS's service models (`protocol`); each handler module registers
the operations it implements (`registry`); `dispatch` runs one request.
"""
