package io.lbkit.proxy;

import io.lbkit.core.Selection;
import io.lbkit.option.OptionException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which {@code Upgrade} requests a proxy tunnels and the header lines of their handshake, for any
 * engine. A request asking {@code Connection: upgrade} with an {@code Upgrade} protocol on the
 * allowed list ({@code tunnel-upgrades}, {@code websocket} by default) is balanced like any
 * request, forwarded with {@code Connection: Upgrade} and the allowed protocols kept, and, when the
 * server answers {@code 101}, becomes a byte tunnel. {@code h2c} is never forwarded (the proxy
 * speaks HTTP/1.1 to servers, and an h2c upgrade would hand the server a connection whose other
 * requests it cannot see); a request naming only protocols that are not allowed is proxied as a
 * plain request, its {@code Upgrade} dropped like any hop-by-hop line (RFC 9110 7.8 lets a server
 * ignore it). Immutable.
 */
public final class UpgradePolicy {
  private final ProxyHeaders headers;
  private final Set<String> allowed;

  /**
   * @param headers the header policy of ordinary requests, applied to the handshake too (sticky
   *     cookie out, {@code X-Forwarded-*}, {@code Host})
   * @param allowed the protocol names that may be tunneled, case-insensitive; {@code h2c} is ignored
   */
  public UpgradePolicy(ProxyHeaders headers, List<String> allowed) {
    this.headers = Objects.requireNonNull(headers, "headers");
    Set<String> set = new LinkedHashSet<>();
    for (String a : allowed) {
      String p = a.trim().toLowerCase(Locale.ROOT);
      if (!p.isEmpty() && !p.equals("h2c")) {
        set.add(p);
      }
    }
    this.allowed = Set.copyOf(set);
  }

  /**
   * Checks a {@code tunnel-upgrades} value: RFC 9110 tokens such as {@code websocket}; {@code none}
   * alone or an empty list turns tunnels off (an empty list is returned).
   *
   * @throws OptionException for {@code h2c} (never tunneled) or a name that is not a token
   */
  public static List<String> checkProtocols(List<String> protocols) {
    Objects.requireNonNull(protocols, "tunnel-upgrades");
    if (protocols.isEmpty() || protocols.size() == 1 && protocols.get(0).equalsIgnoreCase("none")) {
      return List.of();
    }
    for (String p : protocols) {
      if (p == null || p.equalsIgnoreCase("h2c") || !p.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new OptionException("tunnel-upgrades", String.join(",", protocols),
            "protocol names such as websocket, or none (h2c is never tunneled)");
      }
    }
    return List.copyOf(protocols);
  }

  /** Whether any protocol may be tunneled (an empty list turns tunnels off). */
  public boolean enabled() {
    return !allowed.isEmpty();
  }

  /**
   * The {@code Upgrade} value to forward for this request (its allowed protocols, in the client's
   * order), or null when the request is not to be tunneled: no {@code upgrade} token in
   * {@code Connection}, no allowed protocol in {@code Upgrade}, or a request body (a
   * {@code Content-Length} above 0 or a {@code Transfer-Encoding}: the bytes after the head would
   * be ambiguous, so it is proxied as a plain request).
   */
  public String upgradeOf(HeaderSource request) {
    if (allowed.isEmpty()) {
      return null;
    }
    boolean[] asked = new boolean[2]; // Connection: upgrade; a body
    List<String> offered = new ArrayList<>(1);
    request.forEach((name, value) -> {
      if (name.equalsIgnoreCase("transfer-encoding")
          || name.equalsIgnoreCase("content-length") && !value.trim().equals("0")) {
        asked[1] = true;
      } else if (name.equalsIgnoreCase("connection")) {
        for (String t : value.split(",")) {
          asked[0] |= t.trim().equalsIgnoreCase("upgrade");
        }
      } else if (name.equalsIgnoreCase("upgrade")) {
        for (String t : value.split(",")) {
          String protocol = t.trim();
          int slash = protocol.indexOf('/'); // websocket/13: the name decides
          String bare = (slash < 0 ? protocol : protocol.substring(0, slash)).toLowerCase(Locale.ROOT);
          if (allowed.contains(bare)) {
            offered.add(protocol);
          }
        }
      }
    });
    return asked[0] && !asked[1] && !offered.isEmpty() ? String.join(", ", offered) : null;
  }

  /**
   * The handshake request head, ready to write to the server: request line, the lines of
   * {@link ProxyHeaders#request} (the client's {@code Sec-WebSocket-*} lines pass: they are not
   * hop-by-hop), {@code Host} (the client's with {@code preserve-host}, else {@code serverAuthority}),
   * then {@code Connection: Upgrade} and {@code Upgrade: upgrade}; ISO-8859-1, ending in an empty line.
   */
  public byte[] requestHead(String method, String target, HeaderSource request, String clientAddress, String scheme,
      int localPort, String upgrade, String serverAuthority) {
    StringBuilder sb = new StringBuilder(512);
    sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    List<String[]> lines = new ArrayList<>();
    headers.request(request, clientAddress, scheme, localPort, new HeaderSink() {
      @Override
      public void add(String name, String value) {
        lines.add(new String[] {name, value});
      }

      @Override
      public void set(String name, String value) {
        lines.removeIf(l -> l[0].equalsIgnoreCase(name));
        lines.add(new String[] {name, value});
      }
    });
    boolean host = lines.stream().anyMatch(l -> l[0].equalsIgnoreCase("host"));
    if (!host) {
      sb.append("Host: ").append(serverAuthority).append("\r\n");
    }
    for (String[] l : lines) {
      sb.append(l[0]).append(": ").append(l[1]).append("\r\n");
    }
    sb.append("Connection: Upgrade\r\nUpgrade: ").append(upgrade).append("\r\n\r\n");
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * Writes the lines of a server's {@code 101} for the client: {@link ProxyHeaders#response}
   * (the server's own, the selection's {@code Set-Cookie}), then {@code Connection: Upgrade} and
   * the server's {@code Upgrade}, which the policy drops from ordinary responses.
   */
  public void switchingResponse(HeaderSource response, Selection selection, HeaderSink out) {
    headers.response(response, selection, out);
    String[] upgrade = new String[1];
    response.forEach((name, value) -> {
      if (upgrade[0] == null && name.equalsIgnoreCase("upgrade")) {
        upgrade[0] = value;
      }
    });
    out.set("Connection", "Upgrade");
    if (upgrade[0] != null) {
      out.set("Upgrade", upgrade[0]);
    }
  }

  @Override
  public String toString() {
    return "UpgradePolicy" + allowed;
  }
}
