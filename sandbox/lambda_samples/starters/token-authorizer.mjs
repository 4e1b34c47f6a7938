// TOKEN authorizer: API Gateway calls it before the method, with
//   event.authorizationToken  the value of the token-source header (e.g. Authorization)
//   event.methodArn           the ARN of the method being called
// It must return a principalId and an IAM policy that allows or denies
// execute-api:Invoke on that ARN.
//   "allow"       -> Allow policy: the request goes on to the integration
//   "deny"        -> Deny policy: API Gateway answers 403
//   anything else -> throw new Error("Unauthorized"): API Gateway answers 401
// (The message must be exactly "Unauthorized" for a 401: any other error gives a 500.)
export const handler = async (event, context) => {
  const token = event.authorizationToken;

  if (token === "allow") {
    return generatePolicy("user", "Allow", event.methodArn);
  }
  if (token === "deny") {
    return generatePolicy("user", "Deny", event.methodArn);
  }
  throw new Error("Unauthorized");
};

// Builds the authorizer's output: principalId, policyDocument and an optional context.
function generatePolicy(principalId, effect, resource) {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [
        {
          Action: "execute-api:Invoke",
          Effect: effect,
          Resource: resource,
        },
      ],
    },
    // Optional: values must be strings, numbers or booleans (no objects or arrays).
    // API Gateway stringifies them; a proxy integration finds them in
    // event.requestContext.authorizer.
    context: {
      stringKey: "stringval",
      numberKey: 123,
      booleanKey: true,
    },
  };
}
