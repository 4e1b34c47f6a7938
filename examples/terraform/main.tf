# A REST API with a MOCK method, deployed to the stage prod, built by Terraform in the sandbox.
#   eval "$(python manage.py sandbox_credentials --user student | sed 's/^/export /')"
#   terraform init && terraform apply
#   curl "$(terraform output -raw invoke_url)pets"
# docs/aws-clients.md says more; tests/sandbox/test_terraform.py runs it.
variable "endpoint" {
  description = "the sandbox's AWS endpoint"
  type        = string
  default     = "http://127.0.0.1:8000/aws/"
}
variable "invoke_domain" {
  description = "where deployed stages answer: <api-id>.<invoke_domain>/<stage>/"
  type        = string
  default     = "execute-api.localhost:8000"
}

terraform {
  required_providers { aws = { source = "hashicorp/aws", version = "5.100.0" } }
}
provider "aws" {
  region = "us-east-1"
  # credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (python manage.py sandbox_credentials)
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    apigateway   = var.endpoint
    apigatewayv2 = var.endpoint
    lambda       = var.endpoint
    sts          = var.endpoint
  }
}
resource "aws_api_gateway_rest_api" "pets" {
  name = "pets-from-terraform"
  endpoint_configuration { types = ["REGIONAL"] }
}
resource "aws_api_gateway_resource" "pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_rest_api.pets.root_resource_id
  path_part   = "pets"
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  resource_id   = aws_api_gateway_resource.pets.id
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_api_gateway_integration" "mock" {
  rest_api_id       = aws_api_gateway_rest_api.pets.id
  resource_id       = aws_api_gateway_resource.pets.id
  http_method       = aws_api_gateway_method.get.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}
resource "aws_api_gateway_method_response" "ok" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.pets.id
  http_method = aws_api_gateway_method.get.http_method
  status_code = "200"
}
resource "aws_api_gateway_integration_response" "ok" {
  rest_api_id        = aws_api_gateway_rest_api.pets.id
  resource_id        = aws_api_gateway_resource.pets.id
  http_method        = aws_api_gateway_method.get.http_method
  status_code        = aws_api_gateway_method_response.ok.status_code
  response_templates = { "application/json" = "{\"pets\": [\"rex\"]}" }
  depends_on         = [aws_api_gateway_integration.mock]
}
resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  depends_on  = [aws_api_gateway_integration_response.ok]
}
resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}
output "api_id" { value = aws_api_gateway_rest_api.pets.id }
output "invoke_url" { value = "http://${aws_api_gateway_rest_api.pets.id}.${var.invoke_domain}/${aws_api_gateway_stage.prod.stage_name}/" }
