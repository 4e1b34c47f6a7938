// The runtime's side of the Lambda contract in every isolate, evaluated before the learner's code
// (gateway/integrations/jsworker.py reads this file): timers, console, errors as the Node.js
// runtime reports them, the AWS SDK clients a handler may import, and `__lambda`, which the worker
// drives. __MAX_RESPONSE__ and __MAX_LOG_CHARS__ are filled in by the worker.
(function (g) {
  "use strict";
  const apply = Reflect.apply, stringify = JSON.stringify, parse = JSON.parse, now = Date.now;
  const DateCtor = Date, toISO = Date.prototype.toISOString, replace = String.prototype.replace;
  const split = String.prototype.split, slice = String.prototype.slice, geval = g.eval;
  const Prom = Promise, resolved = () => Prom.resolve(), then = Promise.prototype.then;
  const waitAsync = Atomics.waitAsync, Int32 = Int32Array, Shared = SharedArrayBuffer;
  const MAX_RESPONSE = __MAX_RESPONSE__, MAX_LOG_CHARS = __MAX_LOG_CHARS__, MAX_LINE = 32768, MAX_TEXT = 65536;

  // Timers on V8's own task queue (Atomics.waitAsync): no host, no threads.
  const timers = new Map();
  let nextTimer = 1;
  const later = (ms, fn) => {
    const r = waitAsync(new Int32(new Shared(4)), 0, 0, ms);
    apply(then, r.async ? r.value : resolved(), [fn]);
  };
  const arm = (id, ms) => later(ms, () => {
    const t = timers.get(id);
    if (t === undefined) return;
    if (t.repeat) arm(id, ms); else timers.delete(id);
    try { apply(t.fn, undefined, t.args); } catch (e) { uncaught(e); }
  });
  const delay = (ms) => { ms = Number(ms); return ms >= 1 && ms <= 2147483647 ? Math.floor(ms) : 1; };
  const timer = (repeat) => function (fn, ms, ...args) {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function. Received ' + typeof fn);
    const id = nextTimer++;
    timers.set(id, { fn, args, repeat });
    arm(id, delay(ms));
    return id;
  };
  const clear = (id) => { timers.delete(id); };
  const hide = (name, value) => {
    try { Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false }); }
    catch (_) { g[name] = value; }  // mini-racer's own setTimeout is a var: not configurable
  };
  hide("setTimeout", timer(false));
  hide("setInterval", timer(true));
  hide("clearTimeout", clear);
  hide("clearInterval", clear);
  hide("queueMicrotask", (fn) => {
    if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function. Received ' + typeof fn);
    apply(then, resolved(), [() => { try { fn(); } catch (e) { uncaught(e); } }]);
  });
  hide("global", g);
  g.__timer_manager = undefined;

  // console, as the Node.js runtime writes it: "time\trequestId\tLEVEL\ttext", newlines as \r.
  let logs = [], logChars = 0, logsFull = false, requestId = undefined;
  const show = (v) => {
    switch (typeof v) {
      case "string": return v;
      case "undefined": return "undefined";
      case "function": return "[Function: " + (v.name || "(anonymous)") + "]";
      case "symbol": return v.toString();
      case "bigint": return String(v) + "n";
      case "object":
        if (v === null) return "null";
        if (v instanceof Error) return String(v.stack || v);
        try { const s = stringify(v); return s === undefined ? String(v) : s; } catch (e) { return "[object: " + e.message + "]"; }
      default: return String(v);
    }
  };
  const format = (args) => {
    if (args.length === 0) return "";
    let rest = 1, out;
    const first = args[0];
    if (typeof first === "string" && args.length > 1) {
      out = apply(replace, first, [/%[sdifjoOc%]/g, (m) => {
        if (m === "%%") return "%";
        if (rest >= args.length) return m;
        const a = args[rest++];
        if (m === "%s") return typeof a === "string" ? a : show(a);
        if (m === "%d" || m === "%i") return String(m === "%i" ? parseInt(a) : Number(a));
        if (m === "%f") return String(parseFloat(a));
        if (m === "%c") return "";
        return show(a);
      }]);
    } else out = show(first);
    for (; rest < args.length; rest++) out += " " + show(args[rest]);
    return out;
  };
  const emit = (level, args) => {
    if (logsFull) return;
    let text = format(args);
    if (text.length > MAX_LINE) text = apply(slice, text, [0, MAX_LINE]) + " [truncated]";
    const line = apply(toISO, new DateCtor(), []) + "\t" + requestId + "\t" + level + "\t" + apply(replace, text, [/\n/g, "\r"]);
    if (logChars + line.length > MAX_LOG_CHARS) {
      logsFull = true;
      logs[logs.length] = "[the simulator keeps " + MAX_LOG_CHARS + " characters of log per invocation: the rest was dropped]";
      return;
    }
    logChars += line.length;
    logs[logs.length] = line;
  };
  const con = {};
  for (const [name, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"],
                               ["debug", "DEBUG"], ["trace", "TRACE"], ["fatal", "FATAL"], ["dir", "INFO"]]) {
    con[name] = (...args) => emit(level, args);
  }
  con.assert = (ok, ...args) => { if (!ok) emit("ERROR", ["Assertion failed" + (args.length ? ":" : ""), ...args]); };
  hide("console", con);

  // Errors as the runtime serialises them (Errors.js toRapidResponse).
  const cut = (s) => (s.length > MAX_TEXT ? apply(slice, s, [0, MAX_TEXT]) + " [truncated]" : s);
  const errorOf = (e) => {
    try {
      if (e instanceof Error || (e && typeof e.name === "string" && typeof e.message === "string" && typeof e.stack === "string")) {
        const stack = typeof e.stack === "string" ? apply(split, e.stack, ["\n"]).slice(0, 50).map(cut) : [];
        return { errorType: cut(String(e.name)), errorMessage: cut(String(e.message)), trace: stack };
      }
      return { errorType: typeof e, errorMessage: cut(e.toString()), trace: [] };
    } catch (_) {
      return { errorType: "handled", errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack", trace: [] };
    }
  };
  const failed = (r, label) => {
    emit("ERROR", [label, "\t" + stringify({ errorType: r.errorType, errorMessage: r.errorMessage, stack: r.trace })]);
    return stringify({ ok: false, errorType: r.errorType, errorMessage: r.errorMessage, stack: r.trace, logs, effects });
  };
  const runtimeError = (type, message) => ({ errorType: type, errorMessage: message, trace: [type + ": " + message] });
  const utf8Over = (s, limit) => {
    if (s.length > limit) return true;
    if (s.length * 3 <= limit) return false;
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
      if (n > limit) return true;
    }
    return false;
  };
  const succeeded = (value) => {
    let json;
    try { json = stringify(value === undefined ? null : value); }
    catch (e) { return failed(runtimeError("Runtime.JSONStringifyError", "Unable to stringify response body"), "Invoke Error"); }
    if (json === undefined) json = "null";
    if (utf8Over(json, MAX_RESPONSE)) {
      return stringify({ ok: false, errorType: "Function.ResponseSizeTooLarge",
                         errorMessage: "Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE + " bytes).",
                         stack: [], logs, effects });
    }
    return '{"ok":true,"logs":' + stringify(logs) + ',"effects":' + stringify(effects) + ',"result":' + json + "}";
  };

  // The AWS SDK for JavaScript v3 clients a handler of the chat tutorial uses, as Node.js 18+
  // runtimes include them (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html): the
  // API Gateway Management API (@connections) and DynamoDB's document client. The isolate has no
  // network: they read the account's state the gateway passed in (its open WebSocket connections,
  // its tables) and record what they change; the gateway applies it, in order, once the handler
  // has returned. Errors carry the SDK's name and $metadata.httpStatusCode.
  let services = { connections: {}, tables: {} }, effects = [];
  const copy = (v) => (v === undefined ? undefined : parse(stringify(v)));
  const metadata = (status) => ({ httpStatusCode: status, requestId: requestId, attempts: 1, totalRetryDelay: 0 });
  class ServiceException extends Error {
    constructor(name, status, message) {
      super(message);
      this.name = name; this.$fault = status >= 500 ? "server" : "client"; this.$metadata = metadata(status);
    }
  }
  class GoneException extends ServiceException { constructor(m) { super("GoneException", 410, m || "GoneException"); } }
  class PayloadTooLargeException extends ServiceException { constructor(m) { super("PayloadTooLargeException", 413, m); } }
  class ResourceNotFoundException extends ServiceException { constructor(m) { super("ResourceNotFoundException", 400, m); } }
  class ValidationException extends ServiceException { constructor(m) { super("ValidationException", 400, m); } }
  class Command { constructor(input) { this.input = input || {}; } }
  const commands = (names) => Object.fromEntries(names.map((n) => [n, { [n]: class extends Command {} }[n]]));
  const utf8 = (bytes) => {
    let s = "";
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    try { return decodeURIComponent(escape(s)); } catch (_) { return s; }
  };
  const endpointOf = (config) => {
    // https://{api-id}.execute-api.{region}.amazonaws.com/{stage}, as the tutorial builds it from
    // event.requestContext.domainName and .stage
    const text = String(config.endpoint && (config.endpoint.url || config.endpoint.href || config.endpoint) || "");
    const m = /^(?:https?|wss?):\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com\/([^/?#]+)\/?$/.exec(text);
    if (!m) throw new TypeError("ApiGatewayManagementApiClient needs endpoint: \"https://{api-id}.execute-api.{region}.amazonaws.com/{stage}\" (got " + (text || "none") + ")");
    return m[1] + "/" + m[2];
  };
  const management = commands(["PostToConnectionCommand", "GetConnectionCommand", "DeleteConnectionCommand"]);
  class ApiGatewayManagementApiClient {
    constructor(config) { this.config = config || {}; }
    async send(command) {
      const where = endpointOf(this.config), id = String(command.input.ConnectionId || "");
      const open = services.connections[where] || {}, info = open[id];
      if (info === undefined) throw new GoneException();
      if (command instanceof management.PostToConnectionCommand) {
        const raw = command.input.Data, data = typeof raw === "string" ? raw : raw instanceof Uint8Array ? utf8(raw) : String(raw);
        if (utf8Over(data, 131072)) throw new PayloadTooLargeException("Message too long");
        effects[effects.length] = { op: "post", where, id, data };
        return { $metadata: metadata(200) };
      }
      if (command instanceof management.GetConnectionCommand) {
        return { ConnectedAt: new DateCtor(info.connectedAt * 1000), Identity: { SourceIp: info.sourceIp },
                 LastActiveAt: new DateCtor(info.lastActiveAt * 1000), $metadata: metadata(200) };
      }
      if (command instanceof management.DeleteConnectionCommand) {
        delete open[id];
        effects[effects.length] = { op: "delete", where, id };
        return { $metadata: metadata(204) };
      }
      throw new TypeError("The simulator's ApiGatewayManagementApiClient sends PostToConnection, GetConnection and DeleteConnection");
    }
    destroy() {}
  }
  class ApiGatewayManagementApi extends ApiGatewayManagementApiClient {
    postToConnection(input) { return this.send(new management.PostToConnectionCommand(input)); }
    getConnection(input) { return this.send(new management.GetConnectionCommand(input)); }
    deleteConnection(input) { return this.send(new management.DeleteConnectionCommand(input)); }
  }
  const documents = commands(["PutCommand", "GetCommand", "DeleteCommand", "ScanCommand"]);
  class DynamoDBClient { constructor(config) { this.config = config || {}; } destroy() {} }
  const tableOf = (input) => {
    const table = services.tables[String(input.TableName || "")];
    if (table === undefined) throw new ResourceNotFoundException("Requested resource not found");
    return table;
  };
  const keyOf = (table, values) => {
    const key = values && values[table.key];
    if (key === undefined || key === null || typeof key === "object") {
      throw new ValidationException("One or more parameter values were invalid: Missing the key " + table.key + " in the item");
    }
    return String(key);
  };
  class DynamoDBDocumentClient {
    static from(client) { return new DynamoDBDocumentClient(client); }
    constructor(client) { this.client = client; }
    async send(command) {
      const input = command.input, table = tableOf(input);
      if (command instanceof documents.PutCommand) {
        const item = copy(input.Item || {}), key = keyOf(table, item);
        table.items[key] = item;
        effects[effects.length] = { op: "ddb.put", table: String(input.TableName), item };
        return { $metadata: metadata(200) };
      }
      if (command instanceof documents.GetCommand) {
        return { Item: copy(table.items[keyOf(table, input.Key)]), $metadata: metadata(200) };
      }
      if (command instanceof documents.DeleteCommand) {
        const key = keyOf(table, input.Key);
        delete table.items[key];
        effects[effects.length] = { op: "ddb.delete", table: String(input.TableName), key };
        return { $metadata: metadata(200) };
      }
      if (command instanceof documents.ScanCommand) {  // every item, whole (ProjectionExpression and filters are not simulated)
        const items = Object.values(table.items).map(copy);
        return { Items: items, Count: items.length, ScannedCount: items.length, $metadata: metadata(200) };
      }
      throw new TypeError("The simulator's DynamoDBDocumentClient sends PutCommand, GetCommand, DeleteCommand and ScanCommand");
    }
    destroy() {}
  }
  const builtins = {
    "@aws-sdk/client-apigatewaymanagementapi": Object.freeze({
      ApiGatewayManagementApiClient, ApiGatewayManagementApi, GoneException, PayloadTooLargeException, ...management }),
    "@aws-sdk/client-dynamodb": Object.freeze({ DynamoDBClient, ResourceNotFoundException }),
    "@aws-sdk/lib-dynamodb": Object.freeze({ DynamoDBDocumentClient, ...documents }),
  };
  hide("__lambdaBuiltin", (name) => builtins[name]);

  // The module (once per container) and the handler (once per invocation).
  let handler = null, broken = false, current = null, outcome, settledPromise;
  const uncaught = (e) => {  // Node: an uncaught exception fails the invocation and ends the process
    broken = true;
    if (current !== null) current(false, e, "Uncaught Exception");
  };
  const load = async (src, handlerName) => {
    let factory;
    try { factory = geval(src); }
    catch (e) {
      if (e instanceof SyntaxError) return failed(runtimeError("Runtime.UserCodeSyntaxError", String(e)), "Uncaught Exception");
      return failed(errorOf(e), "Uncaught Exception");
    }
    const module = { exports: {} }, esm = apply(slice, src, [0, 6]) === "(async";
    try {  // an ES module's top level runs with this === undefined; CommonJS's with this === module.exports
      await apply(factory, esm ? undefined : module.exports, [module.exports, module, "/var/task/index.js", "/var/task"]);
    } catch (e) { return failed(errorOf(e), "Uncaught Exception"); }
    const dot = handlerName.indexOf(".");
    let fn = dot < 0 ? undefined : module.exports;
    try {
      for (const part of apply(split, apply(slice, handlerName, [dot + 1]), ["."])) fn = fn == null ? undefined : fn[part];
    } catch (e) { return failed(errorOf(e), "Uncaught Exception"); }
    if (!fn) return failed(runtimeError("Runtime.HandlerNotFound", handlerName + " is undefined or not exported"), "Uncaught Exception");
    if (typeof fn !== "function") return failed(runtimeError("Runtime.HandlerNotFound", handlerName + " is not a function"), "Uncaught Exception");
    handler = fn;
    return null;
  };
  const whenIdle = (fn) => {
    const check = () => { if (timers.size === 0) fn(); else later(1, check); };
    apply(then, resolved(), [check]);
  };
  const invoke = (event, c, deadline) => new Prom((resolve) => {
    let done = false;
    const settle = (ok, value, label) => {
      if (done) return;
      done = true;
      current = null;
      resolve(ok ? succeeded(value) : failed(errorOf(value), label || "Invoke Error"));
    };
    current = settle;
    const callback = (err, value) => {
      const go = () => (err === undefined || err === null ? settle(true, value) : settle(false, err));
      if (context.callbackWaitsForEmptyEventLoop) whenIdle(go); else go();
    };
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: c.functionName, functionVersion: c.functionVersion, invokedFunctionArn: c.invokedFunctionArn,
      memoryLimitInMB: String(c.memoryLimitInMB), awsRequestId: c.awsRequestId,
      logGroupName: c.logGroupName, logStreamName: c.logStreamName, identity: undefined, clientContext: undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
      done: callback, succeed: (value) => callback(null, value), fail: (err) => callback(err),
    };
    let ret;
    try { ret = handler(event, context, callback); } catch (e) { settle(false, e); return; }
    try {
      if (ret !== null && (typeof ret === "object" || typeof ret === "function") && typeof ret.then === "function") {
        ret.then((v) => settle(true, v), (e) => settle(false, e));
        return;
      }
    } catch (e) { settle(false, e); return; }
    whenIdle(() => settle(true, null));  // no promise, no callback: null once the event loop is empty
  });
  const lambda = {
    start(src, handlerName, eventJson, contextJson, deadline, servicesJson) {
      if (broken) return 1;  // its module failed, or an exception escaped a timer: Node's process would be gone
      outcome = undefined; logs = []; logChars = 0; logsFull = false; requestId = undefined;
      services = parse(servicesJson); effects = [];
      if (!services.connections) services.connections = {};
      if (!services.tables) services.tables = {};
      const run = async () => {
        if (src !== null) {
          const bad = await load(src, handlerName);
          if (bad !== null) { broken = true; return bad; }
        }
        const c = parse(contextJson);
        requestId = c.awsRequestId;
        return await invoke(parse(eventJson), c, deadline);
      };
      settledPromise = apply(then, run(), [(o) => (outcome = o), (e) => (outcome = failed(errorOf(e), "Invoke Error"))]);
      return 0;
    },
    poll() { return outcome; },
    settled() { return settledPromise; },
  };
  Object.freeze(lambda);
  Object.defineProperty(g, "__lambda", { value: lambda, writable: false, configurable: false, enumerable: false });
})(globalThis);
//# sourceURL=file:///var/runtime/index.mjs
