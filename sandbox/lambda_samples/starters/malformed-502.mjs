// Malformed proxy response: this function runs without any error, yet a REST API
// with a Lambda proxy integration answers 502 {"message": "Internal server error"},
// and the execution log says:
//   Execution failed due to configuration error: Malformed Lambda proxy response
//
// What is wrong: with a proxy integration, API Gateway uses your return value as
// the HTTP response, so it must have this shape (headers, multiValueHeaders and
// isBase64Encoded may be left out):
//   {
//     "isBase64Encoded": true|false,
//     "statusCode": httpStatusCode,
//     "headers": { "headerName": "headerValue", ... },
//     "multiValueHeaders": { "headerName": ["headerValue", "headerValue2", ...], ... },
//     "body": "..."
//   }
// Below, "status" is not "statusCode" and "message" is not a field of that shape,
// so API Gateway cannot read it.
//
// One fix: return { statusCode: 200, body: JSON.stringify({ message: "ok" }) };
// (body must be a string, hence JSON.stringify).
//
// Note: an HTTP API with payload format 2.0 would not fail here: when the output
// is valid JSON without statusCode, it answers 200 with that JSON as the body.
export const handler = async (event, context) => {
  return { status: 200, message: "ok" };
};
