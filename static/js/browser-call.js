// "Call it from this browser page": a real cross-origin fetch from the app's page to the learner's
// API on its own origin. What the learner sees is the browser's own CORS verdict.
document.querySelectorAll("[data-browser-call]").forEach((panel) => {
  panel.hidden = false;
  panel.querySelector("[data-page-origin]").textContent = window.location.origin;
  const form = panel.querySelector("form");
  const out = panel.querySelector("[data-result]");
  const show = (verdict, lines) => {
    out.replaceChildren();
    const head = document.createElement("p");
    head.className = `verdict ${verdict.ok ? "is-right" : "is-wrong"}`;
    head.textContent = verdict.text;
    out.append(head);
    if (lines.length) {
      const pre = document.createElement("pre");
      pre.className = "code-block";
      pre.textContent = lines.join("\n");
      out.append(pre);
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const url = String(data.get("base")).replace(/\/$/, "") + "/" + String(data.get("path") || "").replace(/^\//, "");
    const method = String(data.get("method"));
    const init = { method, mode: "cors", credentials: "omit", headers: {} };
    if (data.get("json")) {
      init.headers["Content-Type"] = "application/json";
      if (method !== "GET" && method !== "DELETE") init.body = "{}";
    }
    show({ ok: true, text: `Calling ${method} ${url} from ${window.location.origin}…` }, []);
    try {
      const response = await fetch(url, init);
      const body = await response.text();
      const visible = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`);
      show(
        { ok: true, text: `The browser let this page read the answer: ${response.status} ${response.statusText}` },
        ["Headers the page may read:", ...visible, "", body.slice(0, 2000)],
      );
    } catch (error) {
      show(
        { ok: false, text: `The browser blocked the answer (${error.name}): the API's CORS headers do not allow ${window.location.origin}.` },
        [
          "The request may well have reached API Gateway: CORS stops the page from reading the answer, it does not protect the API.",
          "The browser's developer console names the rule that failed (preflight, Access-Control-Allow-Origin, -Methods or -Headers).",
        ],
      );
    }
  });
});
