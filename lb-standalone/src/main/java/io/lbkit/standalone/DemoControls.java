package io.lbkit.standalone;

import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalHandler;
import io.lbkit.local.LocalRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's controls under {@code /demo/}, answered by the balancer itself on either engine (a
 * {@link LocalHandler}: the servlet engine serves it through {@code LocalHandlerFilter}, the Netty
 * engine through {@code NettyProxy.Builder.localHandler}). {@code /demo/scale}: {@code POST
 * ?replicas=N} scales the demo's replicas (0..20), {@code GET} lists them. Plain text by default;
 * JSON with {@code ?format=json} or {@code Accept: application/json}. Failure drills (the soak
 * harness uses them): {@code POST /demo/replica?name=whoami-K&action=kill|stall|revive} and
 * {@code POST /demo/dns?silent=true|false}. Other {@code /demo/} paths get a 404 with a hint.
 *
 * <p>A {@code POST} (scale or drill) from a browser page of another origin is refused with 403, so
 * that a page the user visits cannot drive the demo with a hidden form: browsers say where a request comes from in
 * {@code Sec-Fetch-Site} and {@code Origin}, and either one naming another site or origin is
 * enough to refuse. Clients that send neither ({@code curl -X POST}, scripts) are served.
 */
final class DemoControls implements LocalHandler {
  static final String PREFIX = "/demo";
  static final String PATH = "/demo/scale";
  static final String REPLICA_PATH = "/demo/replica";
  static final String DNS_PATH = "/demo/dns";
  private static final Logger log = LoggerFactory.getLogger(DemoControls.class);

  private final Demo demo;
  private final int slots;

  DemoControls(Demo demo, int slots) {
    this.demo = demo;
    this.slots = slots;
  }

  /** {@code /demo} and everything under {@code /demo/} (as the servlet mapping {@code /demo/*}). */
  @Override
  public boolean handles(String path) {
    return path.startsWith(PREFIX) && (path.length() == PREFIX.length() || path.charAt(PREFIX.length()) == '/');
  }

  @Override
  public LocalAnswer answer(LocalRequest request) {
    String path = request.path();
    if (request.method().equals("POST")) {
      String refused = crossSite(request.header("Sec-Fetch-Site"), request.header("Origin"),
          request.scheme(), request.host(), request.port());
      if (refused != null) { // every demo POST changes the demo: scale and the failure drills alike
        log.warn("refused POST {} from another site: {}", path, refused);
        return write(403, "text/plain", "POST " + path + " from another site refused (" + refused
            + "); use this origin or curl -X POST\n");
      }
    }
    if (path.equals(REPLICA_PATH) || path.equals(DNS_PATH)) {
      return drill(request, path);
    }
    if (!path.equals(PATH)) {
      return write(404, "text/plain", "no such demo path: " + path + " (expected: POST " + PATH
          + "?replicas=N or GET " + PATH + ")\n");
    }
    boolean json = "json".equals(request.parameter("format"))
        || String.valueOf(request.header("Accept")).contains("application/json");
    switch (request.method()) {
      case "GET":
      case "HEAD": {
        List<Demo.Replica> now = demo.replicas();
        return write(200, json ? "application/json" : "text/plain", json ? json(now, now.size()) : text(now,
            now.size()));
      }
      case "POST": {
        String value = request.parameter("replicas");
        int count;
        try {
          count = Integer.parseInt(value == null ? "" : value.trim());
        } catch (NumberFormatException e) {
          count = -1;
        }
        if (count < 0 || count > Cli.MAX_REPLICAS) {
          return write(400, "text/plain", "replicas: '" + value + "' (expected: an integer 0.." + Cli.MAX_REPLICAS
              + ", e.g. POST " + PATH + "?replicas=3)\n");
        }
        int before = demo.replicas().size();
        List<Demo.Replica> now;
        try {
          now = demo.scale(count);
        } catch (StandaloneServer.StartException e) {
          log.warn("scale to {} failed: {}", count, e.getMessage());
          return write(500, "text/plain", e.getMessage() + "\n");
        }
        return write(200, json ? "application/json" : "text/plain", json ? json(now, before) : text(now, before));
      }
      default:
        return write(405, "text/plain", request.method() + " " + PATH + ": not allowed (expected: POST "
            + PATH + "?replicas=N, or GET)\n").withHeader("Allow", "GET, HEAD, POST");
    }
  }

  /**
   * Why a request is cross-site, or null when it is not: {@code Sec-Fetch-Site} other than
   * {@code same-origin} or {@code none} (typed in the address bar), or an {@code Origin} other than
   * {@code scheme://host:port} of the request itself (a {@code same-site} page on another port or
   * subdomain is another origin too). Neither header: not a browser page, served.
   */
  static String crossSite(String fetchSite, String origin, String scheme, String host, int port) {
    if (fetchSite != null && !fetchSite.equalsIgnoreCase("same-origin") && !fetchSite.equalsIgnoreCase("none")) {
      return "Sec-Fetch-Site: " + fetchSite;
    }
    if (origin == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(origin.trim());
    } catch (URISyntaxException e) {
      return "Origin: " + origin;
    }
    String originHost = uri.getHost();
    if (uri.getScheme() == null || originHost == null || !uri.getScheme().equalsIgnoreCase(scheme)
        || !unbracketed(originHost).equalsIgnoreCase(unbracketed(host))
        || portOf(uri.getScheme(), uri.getPort()) != portOf(scheme, port)) {
      return "Origin: " + origin;
    }
    return null;
  }

  private static String unbracketed(String host) {
    return host != null && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static int portOf(String scheme, int port) {
    if (port > 0) {
      return port;
    }
    return "https".equalsIgnoreCase(scheme) ? 443 : 80;
  }

  /** {@code POST /demo/replica} and {@code POST /demo/dns}: failure drills. */
  private LocalAnswer drill(LocalRequest request, String path) {
    String usage = "POST " + REPLICA_PATH + "?name=whoami-K&action=kill|stall|revive or POST " + DNS_PATH
        + "?silent=true|false";
    if (!request.method().equals("POST")) {
      return write(405, "text/plain", request.method() + " " + path + ": not allowed (expected: " + usage
          + ")\n").withHeader("Allow", "POST");
    }
    try {
      if (path.equals(DNS_PATH)) {
        String silent = String.valueOf(request.parameter("silent"));
        if (!silent.equals("true") && !silent.equals("false")) {
          throw new IllegalArgumentException("silent: '" + silent + "' (expected: true or false)");
        }
        demo.dnsSilent(silent.equals("true"));
        return write(200, "text/plain", "DNS " + (silent.equals("true") ? "silent" : "answering") + "\n");
      }
      Demo.Replica r = demo.drill(String.valueOf(request.parameter("name")),
          String.valueOf(request.parameter("action")));
      return write(200, "text/plain", r.name() + ": " + request.parameter("action") + "\n");
    } catch (IllegalArgumentException e) {
      return write(400, "text/plain", e.getMessage() + " (" + usage + ")\n");
    } catch (IOException e) {
      log.warn("{} failed: {}", path, e.toString());
      return write(500, "text/plain", path + ": " + e + "\n");
    }
  }

  private String text(List<Demo.Replica> now, int before) {
    StringBuilder sb = new StringBuilder();
    sb.append("whoami: ").append(now.size()).append(now.size() == 1 ? " replica" : " replicas");
    if (before != now.size()) {
      sb.append(" (was ").append(before).append(')');
    }
    sb.append('\n');
    for (Demo.Replica r : now) {
      sb.append("  ").append(r.name()).append("  ").append(r.authority()).append('\n');
    }
    sb.append("DNS ").append(Demo.SERVICE).append(" A:");
    for (Demo.Replica r : now) {
      sb.append(' ').append(r.ip());
    }
    sb.append(now.isEmpty() ? " (none)\n" : "\n");
    if (now.size() > slots) {
      sb.append("note: the balancer has ").append(slots).append(" slots (--slots), as HAProxy's server-template;")
          .append(" replicas beyond them get no traffic\n");
    }
    if (before > now.size()) {
      sb.append("removed replicas leave the stats page after hold-obsolete\n");
    }
    return sb.toString();
  }

  private static String json(List<Demo.Replica> now, int before) {
    StringBuilder sb = new StringBuilder("{\"service\":\"").append(Demo.SERVICE).append("\",\"previous\":")
        .append(before).append(",\"replicas\":[");
    for (int i = 0; i < now.size(); i++) {
      Demo.Replica r = now.get(i);
      sb.append(i == 0 ? "" : ",").append("{\"name\":\"").append(r.name()).append("\",\"address\":\"")
          .append(r.ip()).append("\",\"port\":").append(r.port()).append('}');
    }
    return sb.append("]}\n").toString();
  }

  private static LocalAnswer write(int status, String type, String body) {
    return LocalAnswer.text(status, type + ";charset=utf-8", body).withHeader("Cache-Control", "no-store");
  }
}
