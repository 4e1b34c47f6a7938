// A WebSocket chat, as in AWS's example (one function for $connect, $disconnect and sendmessage):
// https://docs.aws.amazon.com/code-library/latest/ug/lambda_example_cross_ApiGatewayWebsocketChat_section.html
// The table (key: connectionId) is the list of who is in the room: API Gateway has no API that
// lists a stage's connections.
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
  GoneException,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";

const TABLE = "lab-chat-connections";
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event) => {
  const { routeKey, connectionId, domainName, stage } = event.requestContext;
  console.log(`route ${routeKey} from connection ${connectionId}`);

  if (routeKey === "$connect") {
    // Answering 200 accepts the connection; an error status refuses it.
    await db.send(new PutCommand({ TableName: TABLE, Item: { connectionId } }));
    return { statusCode: 200 };
  }
  if (routeKey === "$disconnect") {
    await db.send(new DeleteCommand({ TableName: TABLE, Key: { connectionId } }));
    return { statusCode: 200 };
  }

  // sendmessage: {"action":"sendmessage","message":"hello"} goes to everyone in the room
  // through the stage's @connections API.
  const { message } = JSON.parse(event.body);
  const connections = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  const { Items } = await db.send(new ScanCommand({ TableName: TABLE }));
  await Promise.all(
    Items.map(async ({ connectionId: id }) => {
      try {
        await connections.send(new PostToConnectionCommand({ ConnectionId: id, Data: message }));
      } catch (error) {
        if (!(error instanceof GoneException)) throw error;
        // 410: the client left without $disconnect; forget it.
        await db.send(new DeleteCommand({ TableName: TABLE, Key: { connectionId: id } }));
      }
    }),
  );
  return { statusCode: 200 };
};
