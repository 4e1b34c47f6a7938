// The WebSocket console's live client: a real `new WebSocket(url)` from this page to the
// learner's stage on its invoke host (ws://<api-id>.execute-api.localhost:<port>/<stage>),
// served by the app's ASGI server. The form-based console beside it works without JavaScript.
(() => {
  const init = (panel) => {
    if (panel.dataset.ready) return;
    panel.dataset.ready = "1";
    panel.hidden = false;
    const url = panel.querySelector("[data-ws-url]");
    const message = panel.querySelector("[data-ws-message]");
    const connectButton = panel.querySelector("[data-ws-connect]");
    const disconnectButton = panel.querySelector("[data-ws-disconnect]");
    const sendButton = panel.querySelector("[data-ws-send]");
    const logList = panel.querySelector("[data-ws-log]");
    let socket = null;

    const log = (kind, text) => {
      const item = document.createElement("li");
      const stamp = new Date().toISOString().slice(11, 23);
      item.textContent = `${stamp} ${kind} ${text}`;
      item.className = `ws-log-${kind.replace(/\W/g, "")}`;
      logList.append(item);
      logList.scrollTop = logList.scrollHeight;
    };
    const setState = (open) => {
      connectButton.disabled = open;
      disconnectButton.disabled = !open;
      sendButton.disabled = !open;
    };

    connectButton.addEventListener("click", () => {
      if (socket) return;
      log("…", `connecting to ${url.value}`);
      try {
        socket = new WebSocket(url.value);
      } catch (error) {
        log("!", `${error.name}: ${error.message}`);
        socket = null;
        return;
      }
      socket.addEventListener("open", () => {
        log("open", "connected (101): $connect accepted");
        setState(true);
      });
      socket.addEventListener("message", (event) => log("<", String(event.data)));
      socket.addEventListener("error", () => log("!", "error (a refused handshake shows here: its status is in the browser's network panel)"));
      socket.addEventListener("close", (event) => {
        log("close", `code ${event.code}${event.reason ? ` (${event.reason})` : ""}${event.wasClean ? "" : ", not clean"}`);
        socket = null;
        setState(false);
      });
    });
    disconnectButton.addEventListener("click", () => {
      if (socket) socket.close(1000, "client closed");
    });
    const send = () => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      socket.send(message.value);
      log(">", message.value);
    };
    sendButton.addEventListener("click", send);
    message.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send();
    });
    setState(false);
  };
  const scan = () => document.querySelectorAll("[data-ws-console]").forEach(init);
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:afterSwap", scan);
  if (document.readyState !== "loading") scan();
})();
