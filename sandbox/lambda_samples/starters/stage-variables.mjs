// Stage variables: key-value pairs set on a stage (dev, prod, ...), not in your code.
// With a Lambda proxy integration API Gateway passes the calling stage's variables
// in event.stageVariables (null when the stage has none). A stage variable can also
// pick the function itself: an integration ARN ending in
// ...:function:my-fn:${stageVariables.alias} calls the alias named by the stage.
// Stage variables are not meant for secrets such as passwords or keys.
export const handler = async (event, context) => {
  const vars = event.stageVariables || {};

  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      stage: event.requestContext?.stage,
      greeting: vars.greeting ?? null,
      alias: vars.alias ?? null,
      stageVariables: event.stageVariables,
    }),
  };
};
