package io.lbkit.stats;

import io.lbkit.core.Balancer;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerStats;
import io.lbkit.core.Snapshot;
import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalHandler;
import io.lbkit.local.LocalRequest;
import io.lbkit.session.StickStore;
import io.lbkit.session.StickTableBalancer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The stats page: HTML for people (reloads itself every {@code stats-refresh}), JSON for tools
 * ({@code ?format=json} or {@code Accept: application/json}), Prometheus text exposition
 * ({@code ?format=prometheus}). With {@code stats-auth}, Basic credentials are required (401
 * otherwise); methods other than {@code GET} and {@code HEAD} get 405, an unknown format 400.
 * Engine-free: the servlet filter and the Netty engine serve it through their
 * {@link LocalHandler} adapters, and a gateway can too. Thread-safe.
 *
 * <pre>{@code
 * StatsPage page = new StatsPage(List.of(balancer), StatsOptions.builder().statsUri("/my-stats").build());
 * if (page.handles(path)) {
 *   LocalAnswer answer = page.answer(new LocalRequest("GET", path, query, "http", host, port, headers));
 * }
 * }</pre>
 */
public final class StatsPage implements LocalHandler {
  private final List<Balancer> balancers;
  private final StatsOptions options;
  /** SHA-256 of the expected {@code user:password}, or null without stats-auth. */
  private final byte[] expectedCredentials;

  /** The page of {@code balancers} (one section each, in order), at {@code options.uri()}. */
  public StatsPage(List<Balancer> balancers, StatsOptions options) {
    this.balancers = List.copyOf(balancers);
    this.options = Objects.requireNonNull(options, "options");
    String auth = options.auth();
    this.expectedCredentials = auth == null ? null : sha256(auth.getBytes(StandardCharsets.UTF_8));
  }

  /** The options it was built with. */
  public StatsOptions options() {
    return options;
  }

  /**
   * Whether an {@code Authorization} header carries the expected Basic credentials. The scheme is
   * case-insensitive (RFC 7617); the credentials are compared as SHA-256 digests with
   * {@link MessageDigest#isEqual}, so the time taken says nothing about how much of them matched.
   */
  public boolean authorized(String header) {
    if (header == null) {
      return false;
    }
    String h = header.trim();
    int space = 0;
    while (space < h.length() && h.charAt(space) != ' ' && h.charAt(space) != '\t') {
      space++;
    }
    if (!h.substring(0, space).equalsIgnoreCase("Basic")) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(h.substring(space).trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(sha256(given), expectedCredentials);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e); // every JVM must have it
    }
  }

  /** Whether {@code path} is the stats page's ({@code stats-uri}); false without one. */
  @Override
  public boolean handles(String path) {
    String uri = options.uri();
    return uri != null && uri.equals(path);
  }

  @Override
  public LocalAnswer answer(LocalRequest request) {
    if (expectedCredentials != null) {
      if (!authorized(request.header("Authorization"))) {
        return text(401, "text/plain; charset=utf-8", "401 Unauthorized: the stats page needs credentials.\n")
            .withHeader("WWW-Authenticate", "Basic realm=\"lbkit stats\", charset=\"UTF-8\"");
      }
    }
    if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
      return text(405, "text/plain; charset=utf-8", "405 Method Not Allowed: the stats page is read-only.\n")
          .withHeader("Allow", "GET, HEAD");
    }
    String format = request.parameter("format");
    if (format == null) {
      String accept = request.header("Accept");
      format = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json") ? "json" : "html";
    }
    List<Row> rows = rows();
    switch (format.toLowerCase(Locale.ROOT)) {
      case "json":
        return text(200, "application/json", json(rows));
      case "prometheus":
        return text(200, "text/plain; version=0.0.4; charset=utf-8", prometheus(rows));
      case "html":
        return text(200, "text/html; charset=utf-8", html(rows))
            .withHeader("Refresh", Long.toString(options.refresh().toSeconds()));
      default:
        return text(400, "text/plain; charset=utf-8",
            "400 Bad Request: format: '" + format.replaceAll("[^A-Za-z0-9_-]", "?") + "' (expected: html, json or prometheus)\n");
    }
  }

  /** Every answer of the page: {@code Cache-Control: no-cache} first, as the page always sent. */
  private static LocalAnswer text(int status, String type, String body) {
    return LocalAnswer.text(status, type, body).withHeader("Cache-Control", "no-cache");
  }

  /** One server's line, read once so every format shows the same numbers. */
  private static final class Row {
    String backend;
    Server server;
    String address;
    Integer port;
    String status;
    String cookie;
    Instant lastChange;
    long secondsSinceChange;
    int active;
    int tunnels;
    long tunnelsTotal;
    long requests;
    long failures;
    long retries;
    long checkFailures;
    long downTransitions;
    String check;
    int health;
  }

  private List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    for (Balancer b : balancers) {
      ServerGroup group = b.group();
      Snapshot snapshot = group.snapshot();
      long tick = group.ticker().read();
      for (Server s : snapshot.servers()) {
        Row r = new Row();
        r.backend = group.name();
        r.server = s;
        r.address = s.endpoint() == null ? null : s.endpoint().ipAddress();
        r.port = s.endpoint() == null ? null : s.endpoint().port();
        r.status = s.state().name();
        r.cookie = s.endpoint() != null ? b.cookieValue(s) : null;
        long ago = Math.max(0, tick - s.lastChangeNanos());
        r.secondsSinceChange = Duration.ofNanos(ago).toSeconds();
        r.lastChange = now.minusSeconds(r.secondsSinceChange);
        ServerStats st = s.stats();
        r.active = st.active();
        r.tunnels = st.tunnels();
        r.tunnelsTotal = st.tunnelsTotal();
        r.requests = st.requests();
        r.failures = st.failures();
        r.retries = st.retries();
        r.checkFailures = st.checkFailures();
        r.downTransitions = st.downTransitions();
        r.check = st.checkStatus();
        r.health = st.health();
        rows.add(r);
      }
    }
    return rows;
  }

  // ---- JSON ----

  private String json(List<Row> rows) {
    StringBuilder sb = new StringBuilder(256 + rows.size() * 200);
    sb.append("{\"backends\":[");
    String current = null;
    boolean firstServer = true;
    for (Row r : rows) {
      if (!r.backend.equals(current)) {
        if (current != null) {
          sb.append(']').append(peersJson(current)).append("},");
        }
        current = r.backend;
        sb.append("{\"name\":").append(jsonString(r.backend)).append(",\"servers\":[");
        firstServer = true;
      }
      if (!firstServer) {
        sb.append(',');
      }
      firstServer = false;
      sb.append("{\"name\":").append(jsonString(r.server.name()))
          .append(",\"address\":").append(jsonString(r.address))
          .append(",\"port\":").append(r.port == null ? "null" : r.port.toString())
          .append(",\"status\":").append(jsonString(r.status))
          .append(",\"weight\":").append(r.server.weight())
          .append(",\"active\":").append(r.active)
          .append(",\"tunnels\":").append(r.tunnels)
          .append(",\"tunnelsTotal\":").append(r.tunnelsTotal)
          .append(",\"requests\":").append(r.requests)
          .append(",\"failures\":").append(r.failures)
          .append(",\"cookie\":").append(jsonString(r.cookie))
          .append(",\"lastChange\":").append(jsonString(r.lastChange.toString()))
          .append('}');
    }
    if (current == null) {
      for (Balancer b : balancers) { // a group with no slots yet
        sb.append(current == null ? "" : ",").append("{\"name\":").append(jsonString(b.group().name()))
            .append(",\"servers\":[]").append(peersJson(b.group().name())).append('}');
        current = "";
      }
      sb.append("]}");
    } else {
      sb.append(']').append(peersJson(current)).append("}]}");
    }
    return sb.toString();
  }

  /** The stick store of a backend's balancer, or null when its stick table (if any) is not shared. */
  private StickStore stickStore(String backend) {
    for (Balancer b : balancers) {
      if (b.group().name().equals(backend) && b instanceof StickTableBalancer) {
        return ((StickTableBalancer) b).stickStore();
      }
    }
    return null;
  }

  /** {@code ,"peers":{...}} for a backend whose stick table is shared, else nothing. */
  private String peersJson(String backend) {
    StickStore store = stickStore(backend);
    if (store == null) {
      return "";
    }
    StickStore.Status st = store.status();
    return ",\"peers\":{\"degraded\":" + st.degraded() + ",\"state\":" + jsonString(st.description())
        + ",\"failures\":" + st.failures() + ",\"pending\":" + st.pending() + "}";
  }

  static String jsonString(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }

  // ---- Prometheus ----

  private String prometheus(List<Row> rows) {
    StringBuilder sb = new StringBuilder(1024 + rows.size() * 800);
    metric(sb, rows, "lbkit_server_up", "gauge", "1 if the server is UP (takes traffic), else 0.",
        r -> "UP".equals(r.status) ? 1 : 0, true);
    metric(sb, rows, "lbkit_server_weight", "gauge", "The server's balancing weight.", r -> r.server.weight(), false);
    metric(sb, rows, "lbkit_server_active_requests", "gauge", "Requests in progress on the server.",
        r -> r.active, false);
    metric(sb, rows, "lbkit_server_tunnels", "gauge",
        "Upgraded connections (WebSocket) open to the server; each also counts in active_requests.",
        r -> r.tunnels, false);
    metric(sb, rows, "lbkit_server_tunnels_total", "counter", "Upgraded connections opened to the server.",
        r -> r.tunnelsTotal, false);
    metric(sb, rows, "lbkit_server_requests_total", "counter", "Requests sent to the server (retries included).",
        r -> r.requests, false);
    metric(sb, rows, "lbkit_server_failures_total", "counter",
        "Failed requests: connection refused or timed out, reset, bad response.", r -> r.failures, false);
    metric(sb, rows, "lbkit_server_retries_total", "counter", "Requests retried away from the server.",
        r -> r.retries, false);
    metric(sb, rows, "lbkit_server_check_failures_total", "counter", "Failed health checks.", r -> r.checkFailures,
        false);
    metric(sb, rows, "lbkit_server_down_transitions_total", "counter", "Transitions from UP to DOWN.",
        r -> r.downTransitions, false);
    metric(sb, rows, "lbkit_server_health", "gauge", "The health counter: 0..rise+fall-1, UP from rise on.",
        r -> r.health, false);
    metric(sb, rows, "lbkit_server_last_change_seconds", "gauge", "Seconds since the server's last state change.",
        r -> r.secondsSinceChange, false);
    peersMetric(sb, "lbkit_peers_degraded", "gauge",
        "1 while the shared stick table is degraded (each instance serves from its own).", st -> st.degraded() ? 1 : 0);
    peersMetric(sb, "lbkit_peers_failures_total", "counter", "Stick-table lookups and pushes to peers that failed"
        + " or ran out of time.", StickStore.Status::failures);
    peersMetric(sb, "lbkit_peers_pending", "gauge", "Entries learned while degraded, not pushed yet.",
        StickStore.Status::pending);
    return sb.toString();
  }

  private void peersMetric(StringBuilder sb, String name, String type, String help,
      java.util.function.ToLongFunction<StickStore.Status> value) {
    boolean header = false;
    for (Balancer b : balancers) {
      StickStore store = b instanceof StickTableBalancer ? ((StickTableBalancer) b).stickStore() : null;
      if (store == null) {
        continue;
      }
      if (!header) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        header = true;
      }
      sb.append(name).append("{backend=\"").append(label(b.group().name())).append("\"} ")
          .append(value.applyAsLong(store.status())).append('\n');
    }
  }

  private interface Value {
    long of(Row r);
  }

  private static void metric(StringBuilder sb, List<Row> rows, String name, String type, String help, Value value,
      boolean withStatus) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    for (Row r : rows) {
      sb.append(name).append("{backend=\"").append(label(r.backend)).append("\",server=\"")
          .append(label(r.server.name())).append('"');
      if (withStatus) {
        sb.append(",status=\"").append(r.status).append('"');
        if (r.address != null) {
          sb.append(",address=\"").append(label(r.server.endpoint().authority())).append('"');
        }
      }
      sb.append("} ").append(value.of(r)).append('\n');
    }
  }

  private static String label(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  // ---- HTML ----

  private String html(List<Row> rows) {
    StringBuilder sb = new StringBuilder(2048 + rows.size() * 600);
    long refresh = options.refresh().toSeconds();
    sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"").append(refresh).append("\">")
        .append("<title>lbkit stats</title><style>")
        .append("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:1.5em}")
        .append("th,td{border:1px solid #999;padding:2px 8px;text-align:right}th{background:#ddd}")
        .append("td.l{text-align:left}tr.UP{background:#c0f0c0}tr.DOWN{background:#f0a0a0}")
        .append("tr.MAINT{background:#c0c0f0}code{font-size:90%}b.DOWN{color:#c00000}</style></head><body>\n")
        .append("<h1>lbkit stats</h1>\n<p>Generated ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(", refreshing every ").append(refresh).append(" s.</p>\n");
    for (Balancer b : balancers) {
      String backend = b.group().name();
      long up = rows.stream().filter(r -> r.backend.equals(backend) && "UP".equals(r.status)).count();
      long total = rows.stream().filter(r -> r.backend.equals(backend)).count();
      sb.append("<h2>Backend ").append(escape(backend)).append(": ").append(up).append('/').append(total)
          .append(" UP</h2>\n<table><tr><th>Server</th><th>Address</th><th>Status</th><th>Weight</th>")
          .append("<th>Active</th><th>Tunnels</th><th>Requests</th><th>Failures</th><th>Retries</th><th>Check</th>")
          .append("<th>Health</th><th>Check failures</th><th>Last change</th><th>Cookie</th></tr>\n");
      for (Row r : rows) {
        if (!r.backend.equals(backend)) {
          continue;
        }
        Server s = r.server;
        String status = r.status + (s.reason() == null ? "" : " (" + s.reason() + ")");
        sb.append("<tr class=\"").append(r.status).append("\"><td class=\"l\">").append(escape(s.name()))
            .append("</td><td class=\"l\">").append(s.endpoint() == null ? "-" : escape(s.endpoint().authority()))
            .append("</td><td class=\"l\">").append(escape(status))
            .append("</td><td>").append(s.weight())
            .append("</td><td>").append(r.active)
            .append("</td><td>").append(r.tunnels).append(" / ").append(r.tunnelsTotal)
            .append("</td><td>").append(r.requests)
            .append("</td><td>").append(r.failures)
            .append("</td><td>").append(r.retries)
            .append("</td><td class=\"l\">").append(r.check == null ? "-" : escape(r.check))
            .append("</td><td>").append(b.group().healthChecked()
                ? r.health + "/" + (b.group().rise() + b.group().fall() - 1) : "no check")
            .append("</td><td>").append(r.checkFailures)
            .append("</td><td class=\"l\">").append(ago(r.secondsSinceChange))
            .append("</td><td class=\"l\"><code>").append(r.cookie == null ? "-" : escape(r.cookie))
            .append("</code></td></tr>\n");
      }
      sb.append("</table>\n");
      StickStore store = stickStore(backend);
      if (store != null) {
        StickStore.Status st = store.status();
        sb.append("<p class=\"peers\">Stick table shared with peers: <b").append(st.degraded() ? " class=\"DOWN\">DEGRADED"
            : ">shared").append("</b> (").append(escape(st.description())).append("); ").append(st.failures())
            .append(" failed lookups or pushes, ").append(st.pending()).append(" entries waiting to be pushed.</p>\n");
      }
    }
    sb.append("<p>Also as <a href=\"?format=json\">JSON</a> and <a href=\"?format=prometheus\">Prometheus text</a>.")
        .append("</p>\n</body></html>\n");
    return sb.toString();
  }

  private static String ago(long seconds) {
    if (seconds < 120) {
      return seconds + "s ago";
    }
    if (seconds < 7200) {
      return seconds / 60 + "m" + seconds % 60 + "s ago";
    }
    return seconds / 3600 + "h" + seconds % 3600 / 60 + "m ago";
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<':
          sb.append("&lt;");
          break;
        case '>':
          sb.append("&gt;");
          break;
        case '&':
          sb.append("&amp;");
          break;
        case '"':
          sb.append("&quot;");
          break;
        case '\'':
          sb.append("&#39;");
          break;
        default:
          sb.append(c);
      }
    }
    return sb.toString();
  }
}
