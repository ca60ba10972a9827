package io.lbkit.proxy;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
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
 *
 * <p>Two forms of each: from a {@link HeaderSource} into a {@link HeaderSink} (engines that build a
 * new request, as a servlet container's client), and in place over {@link HeaderLines} (engines that
 * forward the object they received, as Netty's); the same rules, the same lines reach the other side.
 * Names are matched ignoring ASCII case, without making lower-case copies.
 */
public final class ProxyHeaders {
  /** Lines of one connection, never forwarded (RFC 9110 7.6.1), plus Expect, which the engine answers itself. */
  private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect"};

  /** With forwardfor only we write these: a client's own would be believed by the backend. */
  private static final String[] FORWARDING = {"forwarded", "x-real-ip", "x-forwarded-proto",
      "x-forwarded-host", "x-forwarded-port"};

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
      if (dropsRequestLine(name, scan) || isHost(name)) {
        return;
      }
      String forwarded = value;
      if (isCookie(name)) {
        forwarded = balancer.forwardedCookieHeader(value); // our sticky cookie out, a prefix removed
        if (forwarded == null) {
          return;
        }
      }
      out.add(name, forwarded);
    });
    forwardingLines(scan.host, false, clientAddress, scheme, localPort, out, null);
  }

  /**
   * Turns the client's request lines, in place, into the lines to send to the server: the same
   * rules as {@link #request(HeaderSource, String, String, int, HeaderSink)}. Without a
   * {@code Host} line left (no {@code preserve-host}, or none from the client) the engine sends
   * the server's address.
   *
   * @param lines the client's request lines, edited
   * @param clientAddress the IP address of the connection's peer, as text
   * @param scheme {@code http} or {@code https}, as the client connected to us
   * @param localPort the port the client's connection arrived on (not the {@code Host} header's)
   * @param memo the client connection's memo, so that its requests share what they would each build
   *     again; null to build it each time
   */
  public void request(HeaderLines lines, String clientAddress, String scheme, int localPort, ConnectionMemo memo) {
    Scan scan = Scan.of(lines, memo);
    scan.removeHopByHop(lines);
    if (forwardfor) {
      scan.removeSeen(lines, FORWARDING, scan.forwardingSeen);
    }
    // the line itself when it is the only one and stays; else the first one is set again below, or none
    boolean hostKept = preserveHost && scan.hostLines == 1 && !scan.namedByConnection("host");
    if (scan.hostLines > 0 && !hostKept) {
      lines.removeAll("host");
    }
    if (scan.cookieLines > 0) {
      rewrite(lines, scan.cookieLines, null);
    }
    forwardingLines(scan.host, hostKept, clientAddress, scheme, localPort, lines, memo);
  }

  /**
   * Passes each {@code Cookie} line (request, {@code selection} null) or {@code Set-Cookie} line
   * (response) through the balancer, in place: a changed value is replaced, dropped ones removed.
   */
  private void rewrite(HeaderLines lines, int count, Selection selection) {
    String lowerName = selection == null ? "cookie" : "set-cookie";
    List<String> kept = count > 1 ? new ArrayList<>(count) : null; // several lines: rare (HTTP/2 clients, servers)
    boolean dropped = false;
    lines.rewind();
    while (lines.next()) {
      if (!equalsLowerCase(lines.name(), lowerName)) {
        continue;
      }
      String value = lines.value().toString();
      String passed = selection == null
          ? balancer.forwardedCookieHeader(value) // our sticky cookie out, a prefix removed
          : balancer.backendSetCookie(selection, value); // stick tables learn here
      if (passed == null) {
        dropped = true;
        continue;
      }
      if (!passed.equals(value)) {
        lines.setValue(passed);
      }
      if (kept != null) {
        kept.add(passed);
      }
    }
    if (dropped) {
      lines.removeAll(lowerName);
      if (kept != null) {
        String name = selection == null ? "Cookie" : "Set-Cookie";
        for (int i = 0; i < kept.size(); i++) {
          lines.add(name, kept.get(i));
        }
      }
    }
  }

  private boolean dropsRequestLine(CharSequence name, Scan scan) {
    return isOneOf(name, HOP_BY_HOP) || scan.namedByConnection(name) || (forwardfor && isOneOf(name, FORWARDING));
  }

  /** {@code Host} (unless already kept in place) and, with forwardfor, the {@code X-Forwarded-*} lines. */
  private void forwardingLines(String host, boolean hostKept, String clientAddress, String scheme, int localPort,
      HeaderSink out, ConnectionMemo memo) {
    if (preserveHost && host != null && !hostKept) {
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
      out.set("Forwarded", memo == null ? forwarded(clientAddress, host, scheme) : memo.forwarded(clientAddress, host, scheme));
    }
  }

  /**
   * Writes the response lines to send to the client: the server's (through the balancer) and
   * then the selection's {@code Set-Cookie} with its cache advice. {@code Content-Length} is
   * passed on as a line; engines that size responses themselves take it from there.
   */
  public void response(HeaderSource in, Selection selection, HeaderSink out) {
    Scan scan = Scan.of(in);
    boolean advise = advise(selection);
    in.forEach((name, value) -> {
      if (dropsResponseLine(name, scan, advise)) {
        return;
      }
      String passed = value;
      if (isSetCookie(name)) {
        passed = balancer.backendSetCookie(selection, value); // stick tables learn here
        if (passed == null) {
          return;
        }
      }
      out.add(name, passed);
    });
    selectionHeaders(selection, scan.cacheControl, out);
  }

  /**
   * Turns the server's response lines, in place, into the lines to send to the client: the same
   * rules as {@link #response(HeaderSource, Selection, HeaderSink)}.
   *
   * @param lines the server's response lines, edited
   * @param selection the selection the request went out with
   * @param memo the client connection's memo (as for its requests); null to allocate what it lends
   */
  public void response(HeaderLines lines, Selection selection, ConnectionMemo memo) {
    Scan scan = Scan.of(lines, memo);
    scan.removeHopByHop(lines);
    if (scan.cacheControl != null && advise(selection)) {
      lines.removeAll("cache-control"); // merged with our advice below
    }
    if (scan.setCookieLines > 0) {
      rewrite(lines, scan.setCookieLines, selection);
    }
    selectionHeaders(selection, scan.cacheControl, lines);
  }

  private boolean advise(Selection selection) {
    return selection.setCookie() != null && balancer.cookieNocache();
  }

  /** Hop-by-hop lines, and with our cache advice the server's {@code Cache-Control} (merged into ours). */
  private static boolean dropsResponseLine(CharSequence name, Scan scan, boolean advise) {
    return isOneOf(name, HOP_BY_HOP) || scan.namedByConnection(name)
        || (advise && equalsLowerCase(name, "cache-control"));
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

  /**
   * What one client connection's exchanges share in the in-place form, so that each need not build
   * it again: the last {@code Forwarded} value (a connection's requests mostly repeat the same
   * client, {@code Host} and scheme) and the scratch of a pass over a message's lines. One per
   * connection, used by its requests and responses in turn; not thread-safe.
   */
  public static final class ConnectionMemo {
    private final Scan scan = new Scan();
    private String client;
    private String host;
    private String scheme;
    private String forwarded;

    String forwarded(String clientAddress, String hostLine, String proto) {
      if (forwarded == null || !Objects.equals(clientAddress, client) || !Objects.equals(hostLine, host)
          || !proto.equals(scheme)) {
        forwarded = ProxyHeaders.forwarded(clientAddress, hostLine, proto);
        client = clientAddress;
        host = hostLine;
        scheme = proto;
      }
      return forwarded;
    }
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

  private static boolean isHost(CharSequence name) {
    return equalsLowerCase(name, "host");
  }

  private static boolean isCookie(CharSequence name) {
    return equalsLowerCase(name, "cookie");
  }

  private static boolean isSetCookie(CharSequence name) {
    return equalsLowerCase(name, "set-cookie");
  }

  private static boolean isOneOf(CharSequence name, String[] lowerNames) {
    return indexOf(name, lowerNames) >= 0;
  }

  private static int indexOf(CharSequence name, String[] lowerNames) {
    for (int i = 0; i < lowerNames.length; i++) {
      if (equalsLowerCase(name, lowerNames[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code name} is {@code lower} ignoring ASCII case (header names are ASCII tokens). */
  static boolean equalsLowerCase(CharSequence name, String lower) {
    int n = lower.length();
    if (name.length() != n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** What one pass over the lines finds before the second pass filters them. */
  private static final class Scan implements BiConsumer<String, String> {
    /** The tokens of {@code Connection} lines, lower case; null without any (the usual case). */
    List<String> connectionTokens;
    String host;
    List<String> cacheControl;
    /** For the in-place forms: which {@link #HOP_BY_HOP} and {@link #FORWARDING} names are there (bit i: name i). */
    int hopByHopSeen;
    int forwardingSeen;
    int hostLines;
    int cookieLines;
    int setCookieLines;

    static Scan of(HeaderSource in) {
      Scan s = new Scan();
      in.forEach(s);
      return s;
    }

    /** A pass over {@code lines}, in the memo's scratch when there is one. */
    static Scan of(HeaderLines lines, ConnectionMemo memo) {
      Scan s = memo == null ? new Scan() : memo.scan.reset();
      lines.rewind();
      while (lines.next()) {
        s.line(lines.name(), lines.value());
      }
      return s;
    }

    private Scan reset() {
      connectionTokens = null;
      host = null;
      cacheControl = null;
      hopByHopSeen = 0;
      forwardingSeen = 0;
      hostLines = 0;
      cookieLines = 0;
      setCookieLines = 0;
      return this;
    }

    @Override
    public void accept(String name, String value) {
      line(name, value);
    }

    void line(CharSequence name, CharSequence value) {
      int hop = indexOf(name, HOP_BY_HOP);
      if (hop >= 0) {
        hopByHopSeen |= 1 << hop;
      }
      int fwd = indexOf(name, FORWARDING);
      if (fwd >= 0) {
        forwardingSeen |= 1 << fwd;
      }
      if (isCookie(name)) {
        cookieLines++;
      } else if (isSetCookie(name)) {
        setCookieLines++;
      }
      if (equalsLowerCase(name, "connection")) {
        if (connectionTokens == null) {
          connectionTokens = new ArrayList<>(2);
        }
        for (String t : value.toString().split(",")) {
          connectionTokens.add(t.trim().toLowerCase(Locale.ROOT));
        }
      } else if (isHost(name)) {
        hostLines++;
        if (host == null) {
          host = value.toString();
        }
      } else if (equalsLowerCase(name, "cache-control")) {
        if (cacheControl == null) {
          cacheControl = new ArrayList<>(2);
        }
        cacheControl.add(value.toString());
      }
    }

    /** Removes the hop-by-hop lines seen, and those the {@code Connection} lines name. */
    void removeHopByHop(HeaderLines lines) {
      removeSeen(lines, HOP_BY_HOP, hopByHopSeen);
      if (connectionTokens != null) {
        for (int i = 0; i < connectionTokens.size(); i++) {
          String t = connectionTokens.get(i);
          if (!t.isEmpty()) {
            lines.removeAll(t);
          }
        }
      }
    }

    void removeSeen(HeaderLines lines, String[] names, int seen) {
      for (int i = 0; seen != 0 && i < names.length; i++) {
        if ((seen & (1 << i)) != 0) {
          lines.removeAll(names[i]);
          seen &= ~(1 << i);
        }
      }
    }

    boolean namedByConnection(CharSequence name) {
      if (connectionTokens == null) {
        return false;
      }
      for (int i = 0; i < connectionTokens.size(); i++) {
        if (equalsLowerCase(name, connectionTokens.get(i))) {
          return true;
        }
      }
      return false;
    }
  }
}
