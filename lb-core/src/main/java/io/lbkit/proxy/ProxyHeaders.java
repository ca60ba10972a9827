package io.lbkit.proxy;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The header policy of a forwarding proxy, for any engine: which request lines reach the server
 * and which response lines reach the client, and what is added on the way. Immutable; one per
 * balancer and configuration, shared by all requests.
 *
 * <p>Request ({@link #request}): hop-by-hop lines are dropped ({@code Connection} and the lines it
 * names, {@code Keep-Alive}, {@code Transfer-Encoding}, {@code Upgrade}, {@code Expect}...);
 * {@code Cookie} lines go through {@link Balancer#forwardedCookieHeader}; {@code Host} is the
 * client's with {@code preserve-host}, else left to the engine (the server's address). With
 * {@code forwardfor} (HAProxy {@code option forwardfor}): our {@code X-Forwarded-For} line is
 * added after the client's own; the client's {@code Forwarded}, {@code X-Real-IP},
 * {@code X-Forwarded-Proto}, {@code -Host} and {@code -Port} are dropped and ours set, so a
 * backend that trusts them sees only what this proxy observed.
 *
 * <p>Response ({@link #response}): hop-by-hop lines are dropped; each {@code Set-Cookie} goes
 * through {@link Balancer#backendSetCookie}; the selection's {@code Set-Cookie} is added, and with
 * {@link Balancer#cookieNocache()} the server's {@code Cache-Control} directives are kept and
 * {@code private} added when absent (HAProxy {@code nocache} adds, never removes).
 */
public final class ProxyHeaders {
  /** Lines of one connection, never forwarded (RFC 9110 7.6.1), plus Expect, which the engine answers itself. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect");

  /** With forwardfor only we write these: a client's own would be believed by the backend. */
  private static final Set<String> FORWARDING = Set.of("forwarded", "x-real-ip", "x-forwarded-proto",
      "x-forwarded-host", "x-forwarded-port");

  private final Balancer balancer;
  private final boolean forwardfor;
  private final boolean preserveHost;
  /** The last port written as text (immutable pair, so a racy read sees a consistent one). */
  private volatile PortText lastPort;

  /**
   * @param balancer the balancer whose cookies are rewritten
   * @param forwardfor add {@code X-Forwarded-For} and set the other forwarding lines
   * @param preserveHost send the client's {@code Host} to the server
   */
  public ProxyHeaders(Balancer balancer, boolean forwardfor, boolean preserveHost) {
    this.balancer = Objects.requireNonNull(balancer, "balancer");
    this.forwardfor = forwardfor;
    this.preserveHost = preserveHost;
  }

  /**
   * Writes the request lines to send to the server. Without a {@code Host} line in {@code out}
   * (no {@code preserve-host}, or none from the client) the engine sends the server's address.
   *
   * @param in the client's request lines
   * @param clientAddress the IP address of the connection's peer, as text
   * @param scheme {@code http} or {@code https}, as the client connected to us
   * @param localPort the port the client's connection arrived on (not the {@code Host} header's)
   * @param out the lines to send
   */
  public void request(HeaderSource in, String clientAddress, String scheme, int localPort, HeaderSink out) {
    Scan scan = Scan.of(in);
    in.forEach((name, value) -> {
      String lower = lower(name);
      if (HOP_BY_HOP.contains(lower) || scan.namedByConnection(lower) || lower.equals("host")
          || (forwardfor && FORWARDING.contains(lower))) {
        return;
      }
      String forwarded = value;
      if (lower.equals("cookie")) {
        forwarded = balancer.forwardedCookieHeader(value); // our sticky cookie out, a prefix removed
        if (forwarded == null) {
          return;
        }
      }
      out.add(name, forwarded);
    });
    String host = scan.host;
    if (preserveHost && host != null) {
      out.set("Host", host);
    }
    if (forwardfor) {
      if (clientAddress != null) {
        out.add("X-Forwarded-For", clientAddress); // a new line after the client's, as HAProxy
      }
      out.set("X-Forwarded-Proto", scheme);
      if (host != null) {
        out.set("X-Forwarded-Host", host);
      }
      out.set("X-Forwarded-Port", portText(localPort));
      if (clientAddress != null) {
        out.set("X-Real-IP", clientAddress);
      }
      out.set("Forwarded", forwarded(clientAddress, host, scheme));
    }
  }

  /**
   * Writes the response lines to send to the client: the server's (through the balancer) and
   * then the selection's {@code Set-Cookie} with its cache advice. {@code Content-Length} is
   * passed on as a line; engines that size responses themselves take it from there.
   */
  public void response(HeaderSource in, Selection selection, HeaderSink out) {
    Scan scan = Scan.of(in);
    boolean advise = selection.setCookie() != null && balancer.cookieNocache();
    in.forEach((name, value) -> {
      String lower = lower(name);
      if (HOP_BY_HOP.contains(lower) || scan.namedByConnection(lower)) {
        return;
      }
      String passed = value;
      if (lower.equals("set-cookie")) {
        passed = balancer.backendSetCookie(selection, value); // stick tables learn here
        if (passed == null) {
          return;
        }
      } else if (advise && lower.equals("cache-control")) {
        return; // merged with our advice below
      }
      out.add(name, passed);
    });
    selectionHeaders(selection, scan.cacheControl, out);
  }

  /**
   * Writes what the selection adds to a response: its {@code Set-Cookie} and, with
   * {@link Balancer#cookieNocache()}, {@code Cache-Control} set to {@code cacheControlSoFar}'s
   * directives plus {@code private} when absent. Route mode calls this before the application
   * answers; {@link #response} calls it after the server's lines.
   */
  public void selectionHeaders(Selection selection, Iterable<String> cacheControlSoFar, HeaderSink out) {
    String setCookie = selection.setCookie();
    if (setCookie == null) {
      return;
    }
    out.add("Set-Cookie", setCookie);
    if (balancer.cookieNocache()) {
      out.set("Cache-Control", withPrivate(cacheControlSoFar));
    }
  }

  /**
   * The given {@code Cache-Control} values as one line, with {@code private} added unless a
   * directive already says so: {@code no-store} stays {@code no-store, private}.
   */
  public static String withPrivate(Iterable<String> cacheControl) {
    StringBuilder sb = new StringBuilder(32);
    boolean isPrivate = false;
    if (cacheControl != null) {
      for (String line : cacheControl) {
        for (String directive : line.split(",")) {
          String d = directive.trim();
          if (d.isEmpty()) {
            continue;
          }
          int eq = d.indexOf('=');
          isPrivate |= (eq < 0 ? d : d.substring(0, eq).trim()).equalsIgnoreCase("private");
          sb.append(sb.length() == 0 ? "" : ", ").append(d);
        }
      }
    }
    return isPrivate ? sb.toString() : sb.append(sb.length() == 0 ? "" : ", ").append("private").toString();
  }

  /** A listener's port as text, one string per port rather than one per request (a proxy listens on few). */
  private String portText(int port) {
    PortText last = lastPort;
    if (last == null || last.port != port) {
      last = new PortText(port, Integer.toString(port));
      lastPort = last;
    }
    return last.text;
  }

  private record PortText(int port, String text) {
  }

  /** RFC 7239 {@code Forwarded} for this hop: {@code for=...;host=...;proto=...}. */
  static String forwarded(String clientAddress, String host, String scheme) {
    StringBuilder sb = new StringBuilder(64);
    if (clientAddress != null) {
      boolean v6 = clientAddress.indexOf(':') >= 0;
      boolean bracketed = clientAddress.startsWith("[");
      sb.append("for=").append(v6 ? (bracketed ? quoted(clientAddress) : quoted("[" + clientAddress + "]")) : clientAddress);
    }
    if (host != null) {
      sb.append(sb.length() == 0 ? "" : ";").append("host=").append(token(host) ? host : quoted(host));
    }
    sb.append(sb.length() == 0 ? "" : ";").append("proto=").append(token(scheme) ? scheme : quoted(scheme));
    return sb.toString();
  }

  private static boolean token(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private static String quoted(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT); // returns s itself when already lower case
  }

  /** What one pass over the lines finds before the second pass filters them. */
  private static final class Scan implements BiConsumer<String, String> {
    Set<String> connectionTokens;
    String host;
    List<String> cacheControl;

    static Scan of(HeaderSource in) {
      Scan s = new Scan();
      in.forEach(s);
      return s;
    }

    @Override
    public void accept(String name, String value) {
      if (name.equalsIgnoreCase("connection")) {
        if (connectionTokens == null) {
          connectionTokens = new HashSet<>();
        }
        for (String t : value.split(",")) {
          connectionTokens.add(lower(t.trim()));
        }
      } else if (name.equalsIgnoreCase("host")) {
        if (host == null) {
          host = value;
        }
      } else if (name.equalsIgnoreCase("cache-control")) {
        if (cacheControl == null) {
          cacheControl = new ArrayList<>(2);
        }
        cacheControl.add(value);
      }
    }

    boolean namedByConnection(String lowerName) {
      return connectionTokens != null && connectionTokens.contains(lowerName);
    }
  }
}
