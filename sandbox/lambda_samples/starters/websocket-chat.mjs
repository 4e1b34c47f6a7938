// WebSocket route handler: one function for several routes of a WebSocket API.
// API Gateway tells you which route matched in event.requestContext.routeKey and
// which client sent it in event.requestContext.connectionId.
export const handler = async (event, context) => {
  const { routeKey, connectionId } = event.requestContext;
  console.log(`route ${routeKey} from connection ${connectionId}`);

  if (routeKey === "$connect") {
    // Answering 200 accepts the connection; an error status (e.g. 400) refuses it.
    return { statusCode: 200 };
  }

  if (routeKey === "sendmessage") {
    // The message arrives as a JSON string: {"action":"sendmessage","message":"hello"}
    const { message } = JSON.parse(event.body);
    // This answer goes back to the sender only if the route has a route response.
    return { statusCode: 200, body: JSON.stringify({ echo: message }) };
  }

  // $disconnect and any other route: nothing to do here.
  return { statusCode: 200 };
};

// Pushing a message to OTHER connections is done from the backend with the
// @connections API (a request signed with SigV4):
//   POST https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/@connections/{connectionId}
// This sandbox handler cannot call it itself (no network in the sandbox): use the
// sandbox's console or boto3 (apigatewaymanagementapi post_to_connection) instead.
