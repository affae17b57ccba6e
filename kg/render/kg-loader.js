/* kg notebook view: fetch vis-network from the notebook instead of carrying it.
 *
 * The first kg view a kernel displays puts vis-network (gzip, base64) into the notebook
 * page once, with a listener (kg.render.notebook.library_script). This view, in a
 * sandboxed srcdoc iframe, asks its parent for it by postMessage, unzips it
 * (DecompressionStream) and runs it as an inline script: the page's
 * Content-Security-Policy allows that text only (by its hash), so nothing else sent
 * back could run. Then kg.js starts ("kg:vis-ready"). Without an answer in 10 s the
 * view says how to show the graph with the library embedded.
 */
(function () {
  "use strict";
  var done = false;
  var tries = 0;

  function fail(message) {
    var box = document.getElementById("kg-empty") || document.createElement("div");
    box.id = "kg-empty";
    box.textContent = message;
    document.getElementById("kg-stage").appendChild(box);
  }

  function run(source) {
    var script = document.createElement("script");
    script.textContent = source;
    document.head.appendChild(script);
    if (!window.vis) return fail("vis-network did not start in this view.");
    document.dispatchEvent(new Event("kg:vis-ready"));
  }

  window.addEventListener("message", function (ev) {
    var msg = ev.data;
    if (done || ev.source !== window.parent || !msg || msg.kg !== "vis" || typeof msg.gz !== "string") return;
    done = true;
    var raw = atob(msg.gz);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    new Response(stream).text().then(run, function (err) { fail("vis-network could not be unpacked: " + err); });
  });

  (function ask() {
    if (done) return;
    if (tries++ >= 50) {
      return fail("The graph library (vis-network) is not in this notebook page: it comes with the first " +
        "kg view a kernel shows. Show this one with g.show(library=True) to embed it.");
    }
    var sha = document.querySelector('meta[name="kg-vis-sha256"]');
    if (window.parent !== window) window.parent.postMessage({ kg: "vis?", sha256: sha && sha.content }, "*");
    setTimeout(ask, 200);
  })();
})();
