// Entente pages: keeps a server-rendered page current. Every few seconds it asks the board for its size (GET /board);
// when the log has grown, a page marked data-refresh="auto" reloads itself (unless the reader is typing in a form),
// and any other page says that new entries arrived, with a link to reload. No page content is built here.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live) { return; }
  const rendered = Number(live.dataset.logSize);
  const interval = Number(live.dataset.interval || 3000);

  async function poll() {
    try {
      const response = await fetch("/board", { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) {
        const status = await response.json();
        if (status.log_size > rendered) {
          const typing = document.activeElement && ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
          if (live.dataset.refresh === "auto" && !typing) {
            location.reload();
            return;
          }
          live.hidden = false;
          live.textContent = "";
          live.append((status.log_size - rendered) + " new log entries since this page was made. ");
          const a = document.createElement("a");
          a.href = location.href;
          a.textContent = "Show them";
          live.append(a);
          live.dataset.newSize = String(status.log_size);
        }
      }
    } catch (e) {
      // The board is unreachable for now: try again later.
    }
    setTimeout(poll, interval);
  }
  setTimeout(poll, interval);
})();
