/* 闽企安 scan page: what a scanned risk management code (风险管理码) shows.
 *
 * Reading needs nothing; recording a patrol or a hazard report needs the
 * worker token the enterprise issued (mqw_...), kept in localStorage once the
 * server has confirmed it. Every server string reaches the page through
 * textContent, never innerHTML: a snapshot is enterprise-written text.
 */
(function () {
  "use strict";

  var KINDS = [
    ["engineering", "工程技术措施"], ["management", "管理措施"],
    ["ppe", "个体防护"], ["emergency", "应急处置"]
  ];
  var BANDS = { "重大": "red", "较大": "orange", "一般": "yellow", "低": "blue" };
  var METHODS = { LEC: "LEC 作业条件危险性分析法", matrix: "风险矩阵法" };
  var STORE_KEY = "minqian-worker-token";
  var WORKER_PREFIX = "mqw_";

  var app = document.getElementById("app");
  var segments = location.pathname.split("/").filter(Boolean);
  var token = segments.length > 1 ? safeDecode(segments[segments.length - 1]) : "";
  var base = "/v1/scan/" + encodeURIComponent(token);
  var worker = null;  // {token, name} once /me has confirmed it
  var identity = null;  // the identity card, redrawn as the worker changes

  function safeDecode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  /* el("p", {class: "x", on: {click: f}}, "text", child) with text as text nodes. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "on") {
        Object.keys(value).forEach(function (type) { node.addEventListener(type, value[type]); });
      } else if (name === "class") {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }

  function request(method, path, body, workerToken) {
    var headers = { "accept": "application/json" };
    if (body !== undefined) { headers["content-type"] = "application/json"; }
    if (workerToken) { headers["x-worker-token"] = workerToken; }
    return fetch(path, {
      method: method, headers: headers, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, body: data };
      });
    }, function () {
      return { status: 0, body: null };
    });
  }

  function serverMessage(res, fallback) {
    if (res.status === 0) { return "网络连接失败，请检查手机网络后重试。"; }
    var error = res.body && res.body.error;
    return (error && error.message) || fallback;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function formatTime(iso, withTime) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return iso || ""; }
    var day = date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
    return withTime ? day + " " + pad(date.getHours()) + ":" + pad(date.getMinutes()) : day;
  }

  function readStored() {
    try { return localStorage.getItem(STORE_KEY) || ""; } catch (e) { return ""; }
  }

  function store(value) {
    // Private browsing may refuse storage; the worker then re-enters the code next time.
    try {
      if (value) { localStorage.setItem(STORE_KEY, value); } else { localStorage.removeItem(STORE_KEY); }
    } catch (e) { /* nothing to keep it in */ }
  }

  /* A #w=mqw_... link hands a worker their identity; keep it out of history and screenshots. */
  function takeFragmentToken() {
    var hash = location.hash.replace(/^#/, "");
    if (!hash) { return ""; }
    var value = "";
    hash.split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts[0] === "w" && parts.length > 1) { value = safeDecode(parts.slice(1).join("=")); }
    });
    if (value && history.replaceState) {
      history.replaceState(null, "", location.pathname + location.search);
    }
    return value.trim();
  }

  function setStatus(node, kind, text) {
    node.className = "status" + (kind ? " status-" + kind : "");
    node.textContent = text;
    node.hidden = !text;
  }

  /* A card with a heading; any further arguments are its children. */
  function section(id, title) {
    var card = el("section", { class: "card", id: id }, el("h2", { class: "card-title" }, title));
    for (var i = 2; i < arguments.length; i++) { append(card, arguments[i]); }
    return card;
  }

  // ---- reading: what the code shows -------------------------------------

  function header(code) {
    var band = BANDS[code.grade] || "grey";
    var meta = [["位置", code.location], ["企业", code.enterprise], ["责任人", code.responsible || "未指定"]];
    return el("header", { class: "band band-" + band },
      el("div", { class: "band-top" },
        el("span", { class: "band-kicker" }, "风险管理码"),
        el("span", { class: "band-state" }, code.status || "有效")),
      el("p", { class: "band-grade", id: "grade" }, code.grade + "风险 · " + code.colour + "色"),
      el("h1", { class: "band-point" }, code.risk_point),
      code.scenario ? el("p", { class: "band-scenario" }, "风险场景：" + code.scenario) : null,
      el("dl", { class: "band-meta" }, meta.map(function (row) {
        return el("div", { class: "band-row" }, el("dt", null, row[0]), el("dd", null, row[1]));
      })),
      el("p", { class: "band-code" },
        "编码 ", el("span", { class: "mono", id: "code-id" }, code.id),
        " · 第 " + code.version + " 版",
        code.issued_at ? " · " + formatTime(code.issued_at, false) + " 发布" : ""));
  }

  function quickLinks(code) {
    var links = [["#guide", "操作指引"], ["#accidents", "事故警示"], ["#patrol", "巡查打卡"], ["#report", "隐患上报"]];
    if (!(code.accidents || []).length) { links.splice(1, 1); }
    return el("nav", { class: "quick", "aria-label": "页面导航" }, links.map(function (link) {
      return el("a", { href: link[0] }, link[1]);
    }));
  }

  function numbered(items, cls) {
    return el("ol", { class: cls || "steps" }, items.map(function (text) { return el("li", null, text); }));
  }

  function bullets(items) {
    return el("ul", { class: "bullets" }, items.map(function (text) { return el("li", null, text); }));
  }

  function guide(code) {
    return section("guide", "安全操作指引",
      el("p", { class: "hint" }, "作业前请逐条确认，按步骤操作。"),
      numbered(code.safe_operation || []));
  }

  function hazards(code) {
    var types = code.accident_types || [];
    return section("hazards", "主要危险因素",
      bullets(code.hazards || []),
      types.length ? el("div", { class: "chips" },
        el("span", { class: "chips-label" }, "可能导致"),
        types.map(function (t) { return el("span", { class: "chip chip-danger" }, t); })) : null);
  }

  function controls(code) {
    var all = code.controls || [];
    var missing = all.filter(function (c) { return !c.in_place; }).length;
    var groups = KINDS.map(function (kind) {
      var items = all.filter(function (c) { return c.kind === kind[0]; });
      if (!items.length) { return null; }
      return el("div", { class: "group" },
        el("h3", { class: "group-title" }, kind[1]),
        el("ul", { class: "controls" }, items.map(function (c) {
          return el("li", { class: c.in_place ? "control" : "control control-missing" },
            el("span", { class: "control-mark", "aria-hidden": "true" }, c.in_place ? "✓" : "!"),
            el("span", { class: "control-text" }, c.text),
            c.in_place ? null : el("span", { class: "tag tag-missing" }, "待落实"));
        })));
    });
    var summary = missing
      ? "已落实 " + (all.length - missing) + " 项，待落实 " + missing + " 项"
      : "全部 " + all.length + " 项已落实";
    return section("controls", "管控措施",
      el("p", { class: missing ? "summary summary-warn" : "summary summary-ok" }, summary),
      groups);
  }

  function emergency(code) {
    if (!(code.emergency || []).length) { return null; }
    var card = section("emergency", "应急处置",
      el("p", { class: "hint" }, "发生险情时，先保证自身安全，立即报告班组长和企业安全管理人员。"),
      numbered(code.emergency, "steps steps-danger"));
    card.classList.add("card-danger");
    return card;
  }

  function accidents(code) {
    var cases = code.accidents || [];
    if (!cases.length) { return null; }
    return section("accidents", "同类事故警示",
      el("p", { class: "hint" }, "以下是同类场景发生过的事故，点击展开查看原因和教训。"),
      cases.map(function (a) {
        var sub = [a.date, a.casualties].filter(Boolean).join(" · ");
        return el("details", { class: "case" },
          el("summary", null,
            el("span", { class: "case-name" }, a.name),
            sub ? el("span", { class: "case-sub" }, sub) : null),
          el("div", { class: "case-body" },
            el("dl", { class: "facts" },
              a.accident_type ? [el("dt", null, "事故类型"), el("dd", null, a.accident_type)] : null,
              a.direct_cause ? [el("dt", null, "直接原因"), el("dd", null, a.direct_cause)] : null),
            (a.lessons || []).length ? [
              el("h3", { class: "group-title" }, "事故教训"), bullets(a.lessons)] : null));
      }));
  }

  function grading(code) {
    var g = code.grading || {};
    return el("details", { class: "card grading" },
      el("summary", null, "风险评价依据"),
      el("dl", { class: "facts" },
        el("dt", null, "评价方法"), el("dd", null, METHODS[g.method] || g.method || ""),
        g.formula ? [el("dt", null, "计算"), el("dd", null, g.formula)] : null),
      (g.reasons || []).length ? bullets(g.reasons) : null);
  }

  // ---- recording: worker identity, patrols, hazard reports ---------------

  function identityCard() {
    identity = el("section", { class: "card card-identity", id: "worker" });
    return identity;
  }

  function showWorker() {
    identity.replaceChildren(
      el("p", { class: "worker-line" },
        "当前员工：", el("strong", { id: "worker-name" }, worker.name),
        el("button", { type: "button", class: "link-button", id: "worker-change",
                       on: { click: function () { showIdentityForm("", true); } } }, "更换")));
  }

  function showIdentityForm(message, cancellable) {
    var input = el("input", {
      id: "worker-token", type: "text", inputmode: "text", autocomplete: "off",
      autocapitalize: "off", autocorrect: "off", spellcheck: "false",
      placeholder: "mqw_…", "aria-describedby": "worker-hint"
    });
    var status = el("p", { class: "status", role: "status", hidden: true });
    var confirm = el("button", { type: "submit", class: "button button-primary" }, "确认");
    var form = el("form", { class: "identity-form", novalidate: true },
      el("label", { class: "field-label", for: "worker-token" }, "员工身份码"),
      el("p", { class: "hint", id: "worker-hint" },
        "巡查打卡和隐患上报需要企业发放的员工身份码（以 mqw_ 开头）；只查看本页不需要。"),
      el("div", { class: "inline" }, input, confirm),
      cancellable && worker ? el("button", {
        type: "button", class: "link-button",
        on: { click: showWorker }
      }, "取消") : null,
      status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value.trim();
      if (value.indexOf(WORKER_PREFIX) !== 0) {
        setStatus(status, "error", "员工身份码应以 mqw_ 开头，请核对后重新输入。");
        input.focus();
        return;
      }
      confirm.disabled = true;
      setStatus(status, "", "正在核对…");
      confirmWorker(value).then(function (message) {
        confirm.disabled = false;
        if (message) { setStatus(status, "error", message); }
      });
    });
    identity.replaceChildren(form);
    if (message) { setStatus(status, "error", message); }
  }

  /* Ask the server who a token belongs to; resolve to an error message, or "" once saved. */
  function confirmWorker(value) {
    return request("GET", base + "/me", undefined, value).then(function (res) {
      if (res.status === 200 && res.body) {
        worker = { token: value, name: res.body.name };
        store(value);
        showWorker();
        return "";
      }
      return serverMessage(res, "员工身份码无法确认，请稍后重试。");
    });
  }

  function needWorker(status) {
    if (worker) { return false; }
    setStatus(status, "error", "请先在上方填写员工身份码，再提交。");
    identity.scrollIntoView({ behavior: "smooth", block: "center" });
    var input = document.getElementById("worker-token");
    if (input) { input.focus({ preventScroll: true }); }
    return true;
  }

  function patrolCard(code) {
    var checks = code.patrol_checks || [];
    if (!checks.length) {
      return section("patrol", "日常巡查打卡", el("p", { class: "hint" }, "该风险点未设置巡查项目。"));
    }
    var answers = checks.map(function () { return null; });
    var progress = el("p", { class: "progress", id: "patrol-progress" });
    var status = el("p", { class: "status", role: "status", hidden: true });
    var rows = checks.map(function (item, index) {
      var row = el("li", { class: "check" });
      var ok = choice("正常", "choice-ok", true);
      var bad = choice("异常", "choice-bad", false);
      function choice(label, cls, value) {
        return el("button", {
          type: "button", class: "choice " + cls, "aria-pressed": "false",
          on: { click: function () { answer(value); } }
        }, label);
      }
      function answer(value) {
        answers[index] = value;
        ok.setAttribute("aria-pressed", String(value === true));
        bad.setAttribute("aria-pressed", String(value === false));
        row.classList.remove("check-missing");
        row.classList.toggle("check-bad", value === false);
        row.classList.toggle("check-ok", value === true);
        count();
      }
      row.reset = function () {
        answers[index] = null;
        ok.setAttribute("aria-pressed", "false");
        bad.setAttribute("aria-pressed", "false");
        row.classList.remove("check-bad", "check-ok", "check-missing");
      };
      append(row, [
        el("p", { class: "check-text" }, el("span", { class: "check-no" }, String(index + 1)), item),
        el("div", { class: "choices", role: "group", "aria-label": item }, ok, bad)
      ]);
      return row;
    });
    function count() {
      var done = answers.filter(function (a) { return a !== null; }).length;
      var bad = answers.filter(function (a) { return a === false; }).length;
      progress.textContent = "已填写 " + done + " / " + checks.length + " 项" + (bad ? "，异常 " + bad + " 项" : "");
    }
    var note = el("textarea", {
      id: "patrol-note", rows: "3", maxlength: "1000",
      placeholder: "异常情况、已采取的措施等（选填）"
    });
    var submit = el("button", { type: "submit", class: "button button-primary button-block" }, "提交巡查记录");
    var form = el("form", { class: "patrol-form", novalidate: true },
      progress, el("ol", { class: "checks" }, rows),
      el("label", { class: "field-label", for: "patrol-note" }, "备注"), note,
      submit, status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (needWorker(status)) { return; }
      var missing = [];
      answers.forEach(function (a, i) {
        if (a === null) { missing.push(i + 1); rows[i].classList.add("check-missing"); }
      });
      if (missing.length) {
        setStatus(status, "error", "还有 " + missing.length + " 项未选择（第 " + missing.join("、") + " 项），请逐项选择“正常”或“异常”。");
        rows[missing[0] - 1].scrollIntoView({ behavior: "smooth", block: "center" });
        return;
      }
      var items = checks.map(function (item, i) { return { item: item, ok: answers[i] }; });
      submit.disabled = true;
      setStatus(status, "", "正在提交…");
      request("POST", base + "/patrols", { items: items, note: note.value.trim() }, worker.token)
        .then(function (res) {
          submit.disabled = false;
          if (res.status !== 201 || !res.body) {
            setStatus(status, "error", serverMessage(res, "提交失败，请稍后重试。"));
            return;
          }
          var bad = items.filter(function (i) { return !i.ok; }).length;
          setStatus(status, "success", "打卡成功 · " + formatTime(res.body.checked_at, true) + "，共 "
            + items.length + " 项" + (bad ? "，其中 " + bad + " 项异常" : "，全部正常")
            + (bad ? "。如有隐患请在下方上报。" : "。"));
          rows.forEach(function (row) { row.reset(); });
          note.value = "";
          count();
        });
    });
    count();
    return section("patrol", "日常巡查打卡",
      el("p", { class: "hint" }, "逐项检查后选择“正常”或“异常”，全部填写后提交。"), form);
  }

  function reportCard(code) {
    var description = el("textarea", {
      id: "report-description", rows: "4", maxlength: "2000", required: true,
      placeholder: "在哪里、看到了什么问题、是否已采取措施"
    });
    // A textarea, so a long point location stays readable instead of scrolling sideways.
    var place = el("textarea", { id: "report-location", class: "short", rows: "2", maxlength: "200" });
    place.value = code.location || "";
    // The hints paraphrase the two definitions in 安全生产事故隐患排查治理暂行规定 第三条.
    var severities = [["一般隐患", "危害和整改难度较小，发现后能立即整改排除"],
      ["重大隐患", "危害和整改难度较大，需停产停业整改"]];
    var radios = el("fieldset", { class: "severity" },
      el("legend", { class: "field-label" }, "隐患等级"),
      severities.map(function (s, i) {
        return el("label", { class: "radio" },
          el("input", { type: "radio", name: "severity", value: s[0], checked: i === 0 }),
          el("span", { class: "radio-body" },
            el("span", { class: "radio-title" }, s[0]),
            el("span", { class: "radio-hint" }, s[1])));
      }));
    var status = el("p", { class: "status", role: "status", hidden: true });
    var submit = el("button", { type: "submit", class: "button button-danger button-block" }, "上报隐患");
    var form = el("form", { class: "report-form", novalidate: true },
      el("label", { class: "field-label", for: "report-description" }, "隐患描述", el("span", { class: "required" }, " *")),
      description,
      el("label", { class: "field-label", for: "report-location" }, "位置"), place,
      radios, submit, status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (needWorker(status)) { return; }
      var text = description.value.trim();
      if (!text) {
        setStatus(status, "error", "请描述发现的隐患。");
        description.focus();
        return;
      }
      var severity = form.querySelector("input[name=severity]:checked");
      submit.disabled = true;
      setStatus(status, "", "正在上报…");
      request("POST", base + "/hazard-reports", {
        description: text, location: place.value.trim(),
        severity: severity ? severity.value : "一般隐患"
      }, worker.token).then(function (res) {
        submit.disabled = false;
        if (res.status !== 201 || !res.body) {
          setStatus(status, "error", serverMessage(res, "上报失败，请稍后重试。"));
          return;
        }
        setStatus(status, "success", "已上报，编号 " + res.body.id);
        description.value = "";
      });
    });
    return section("report", "隐患上报",
      el("p", { class: "hint" }, "发现隐患请立即上报，企业安全管理人员会跟进整改。"), form);
  }

  function footer() {
    return el("footer", { class: "footer" },
      el("p", null, "闽企安 · 安全生产风险分级管控"),
      el("p", null, "本页内容来自企业确认的风险清单，以现场张贴的最新风险管理码为准。"));
  }

  function renderCode(code, fragmentToken) {
    document.title = code.risk_point + " · " + code.grade + "风险 · 闽企安";
    app.replaceChildren(
      header(code), quickLinks(code),
      el("div", { class: "content" },
        guide(code), hazards(code), controls(code), emergency(code), accidents(code), grading(code),
        el("h2", { class: "divider" }, "现场登记"),
        identityCard(), patrolCard(code), reportCard(code)),
      footer());

    var candidate = fragmentToken || readStored();
    if (!candidate) { showIdentityForm("", false); return; }
    identity.replaceChildren(el("p", { class: "hint" }, "正在核对员工身份…"));
    confirmWorker(candidate).then(function (message) {
      // A failed token is not removed from storage: it may belong to another enterprise
      // this phone also records for; confirming a new one replaces it.
      if (message) {
        showIdentityForm((fragmentToken ? "链接中的" : "已保存的") + "员工身份码未通过核对：" + message, false);
      }
    });
  }

  // ---- a code that shows nothing: withdrawn, unknown, or unreachable ------

  function notice(title, lines, rows, action) {
    app.replaceChildren(el("div", { class: "notice" },
      el("header", { class: "notice-band notice-grey" },
        el("span", { class: "band-kicker" }, "风险管理码"),
        el("h1", { class: "notice-title" }, title)),
      el("section", { class: "card" },
        lines.map(function (line, i) { return el("p", { class: i ? "hint" : "notice-message" }, line); }),
        rows && rows.length ? el("dl", { class: "facts" }, rows.map(function (row) {
          return [el("dt", null, row[0]), el("dd", null, row[1])];
        })) : null,
        action || null),
      footer()));
  }

  function renderInvalid(body) {
    var error = (body && body.error) || {};
    var code = (body && body.code) || {};
    document.title = "该风险管理码已失效 · 闽企安";
    var rows = [["状态", error.status || "已失效"], ["企业", code.enterprise], ["风险点", code.risk_point],
                ["位置", code.location], ["编码", code.id]].filter(function (r) { return r[1]; });
    notice("该风险管理码已失效",
      [error.message || "该风险管理码已失效。", "请勿再按此码的内容作业，以现场张贴的最新风险管理码为准；如有疑问请联系企业安全管理人员。"],
      rows);
  }

  function renderUnknown(message) {
    document.title = "二维码无效 · 闽企安";
    notice("二维码无效", [message || "无法识别的风险管理码。",
      "请确认扫描的是企业张贴的风险管理码；标签破损或模糊时请联系企业安全管理人员。"]);
  }

  function renderFailure(message) {
    document.title = "暂时无法读取 · 闽企安";
    notice("暂时无法读取风险管理码", [message], null,
      el("button", { type: "button", class: "button button-primary button-block",
                     on: { click: function () { location.reload(); } } }, "重新加载"));
  }

  function start() {
    var fragmentToken = takeFragmentToken();
    if (!token) { renderUnknown(""); return; }
    request("GET", base).then(function (res) {
      if (res.status === 200 && res.body) { renderCode(res.body, fragmentToken); }
      else if (res.status === 410) { renderInvalid(res.body); }
      else if (res.status === 404) { renderUnknown(serverMessage(res, "")); }
      else { renderFailure(serverMessage(res, "服务器暂时无法响应，请稍后重试。")); }
    });
  }

  start();
})();
