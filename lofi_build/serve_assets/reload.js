// lofi-build serve: load livereload's client on the port this page came from (its own
// injection falls back to port 35729 when the URL names no port, e.g. behind a proxy).
(function () {
  var port = location.port || (location.protocol === "https:" ? "443" : "80");
  var script = document.createElement("script");
  script.src = location.protocol + "//" + location.hostname + ":" + port + "/livereload.js?port=" + port;
  document.head.appendChild(script);
})();
