// Hello: greets the caller named in the query string, e.g. GET /hello?name=Ada.
//
// In a proxy event the query string arrives already parsed in
// event.queryStringParameters, which is null when the URL has no query string.
export const handler = async (event, context) => {
  // `?.` stops at null, `||` falls back to "world" when name is missing or empty.
  const name = event.queryStringParameters?.name || "world";

  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};
