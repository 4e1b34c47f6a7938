// Echo: answers with the event it received, so you can see exactly what
// API Gateway sends your function.
//
// With a Lambda proxy integration your return value IS the HTTP response:
// statusCode (a number), optional headers, and body, which must be a string.
export const handler = async (event, context) => {
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    // JSON.stringify turns the whole event object into a string for the body.
    body: JSON.stringify(event),
  };
};
