/* 闽企安 chat widget: one <script> tag adds a chat bubble to an enterprise page.
 *
 *   <script src="https://HOST/widget.js" data-key="mq_..." data-title="闽企安安全助手"></script>
 *
 * The key must be an `enterprise` key whose allowed origins include this page's
 * origin; the server enforces that (CORS and a per-key origin check).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src).origin;
  var key = script.getAttribute("data-key") || "";
  var title = script.getAttribute("data-title") || "闽企安安全生产助手";
  var storeKey = "minqian-conversation:" + base;

  var css = [
    "#mq-bubble{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;",
    "background:#c0392b;color:#fff;font:600 15px/56px sans-serif;text-align:center;cursor:pointer;",
    "box-shadow:0 2px 8px rgba(0,0,0,.3);z-index:2147483000;border:none}",
    "#mq-panel{position:fixed;right:20px;bottom:86px;width:360px;max-width:calc(100vw - 40px);",
    "height:520px;max-height:calc(100vh - 120px);background:#fff;border-radius:10px;display:none;",
    "flex-direction:column;box-shadow:0 4px 20px rgba(0,0,0,.25);z-index:2147483000;",
    "font:14px/1.6 'WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;color:#222}",
    "#mq-panel.mq-open{display:flex}",
    "#mq-head{background:#c0392b;color:#fff;padding:10px 14px;border-radius:10px 10px 0 0;font-weight:600}",
    "#mq-log{flex:1;overflow:auto;padding:10px}",
    ".mq-msg{margin:6px 0;padding:8px 10px;border-radius:8px;white-space:pre-wrap;word-break:break-word}",
    ".mq-user{background:#fdecea;margin-left:40px}.mq-bot{background:#f4f6f8;margin-right:20px}",
    ".mq-cites{margin-top:6px;font-size:12px;color:#555}.mq-cites details{margin:3px 0}",
    "#mq-form{display:flex;border-top:1px solid #eee;padding:8px}",
    "#mq-input{flex:1;border:1px solid #ccc;border-radius:6px;padding:6px}",
    "#mq-send{margin-left:6px;background:#c0392b;color:#fff;border:none;border-radius:6px;padding:6px 12px}"
  ].join("");
  var style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  var bubble = el("button", { id: "mq-bubble", type: "button", "aria-label": title }, "问");
  var panel = el("div", { id: "mq-panel", role: "dialog", "aria-label": title });
  var log = el("div", { id: "mq-log" });
  var form = el("form", { id: "mq-form" });
  var input = el("input", { id: "mq-input", placeholder: "请输入安全生产问题…", maxlength: "2000" });
  var send = el("button", { id: "mq-send", type: "submit" }, "发送");
  form.appendChild(input); form.appendChild(send);
  panel.appendChild(el("div", { id: "mq-head" }, title));
  panel.appendChild(log); panel.appendChild(form);
  document.body.appendChild(panel); document.body.appendChild(bubble);
  bubble.addEventListener("click", function () { panel.classList.toggle("mq-open"); input.focus(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question || send.disabled) { return; }
    input.value = "";
    log.appendChild(el("div", { "class": "mq-msg mq-user" }, question));
    var answer = el("div", { "class": "mq-msg mq-bot", "data-state": "streaming" }, "");
    log.appendChild(answer);
    send.disabled = true;
    ask(question, answer).catch(function (err) {
      answer.textContent = "出错了：" + err.message;
      answer.setAttribute("data-state", "error");
    }).then(function () { send.disabled = false; log.scrollTop = log.scrollHeight; });
  });

  function ask(question, answer) {
    var body = { model: "minqian", stream: true, messages: [{ role: "user", content: question }] };
    var conversation = sessionStorage.getItem(storeKey);
    if (conversation) { body.conversation_id = conversation; }
    return fetch(base + "/v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + key },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (data) {
          throw new Error((data.error && data.error.message) || ("HTTP " + response.status));
        });
      }
      return readStream(response.body.getReader(), answer);
    });
  }

  function readStream(reader, answer) {
    var decoder = new TextDecoder(), buffer = "", text = "";
    function pump() {
      return reader.read().then(function (part) {
        if (part.done) { return; }
        buffer += decoder.decode(part.value, { stream: true });
        var events = buffer.split("\n\n");
        buffer = events.pop();
        events.forEach(function (raw) {
          var data = raw.replace(/^data: /, "");
          if (!data || data === "[DONE]") { return; }
          var chunk = JSON.parse(data);
          var delta = chunk.choices[0].delta || {};
          if (delta.content) { text += delta.content; answer.textContent = text; }
          if (chunk.conversation_id) { sessionStorage.setItem(storeKey, chunk.conversation_id); }
          if (chunk.citations) { showCitations(answer, chunk.citations); }
        });
        log.scrollTop = log.scrollHeight;
        return pump();
      });
    }
    return pump().then(function () { answer.setAttribute("data-state", "done"); });
  }

  function showCitations(answer, citations) {
    if (!citations.length) { return; }
    var box = el("div", { "class": "mq-cites" }, "引用条文：");
    citations.forEach(function (c) {
      var item = el("details", {});
      item.appendChild(el("summary", {}, c.citation + "（" + c.category + "，" + c.status + "）"));
      item.appendChild(el("div", {}, c.text));
      box.appendChild(item);
    });
    answer.appendChild(box);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }
})();
