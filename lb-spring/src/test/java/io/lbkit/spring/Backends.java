package io.lbkit.spring;

import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** whoami1..n on 127.0.0.2, 127.0.0.3... sharing one ephemeral port, as DNS gives addresses for one port. */
final class Backends implements AutoCloseable {
  final List<WhoamiServer> servers = new ArrayList<>();

  static Backends start(int n) throws IOException {
    Backends b = new Backends();
    try {
      WhoamiServer first = WhoamiServer.start("whoami1", "127.0.0.2");
      b.servers.add(first);
      for (int i = 2; i <= n; i++) {
        b.servers.add(WhoamiServer.start("whoami" + i, "127.0.0." + (i + 1), first.port()));
      }
    } catch (IOException | RuntimeException e) {
      b.close();
      throw e;
    }
    return b;
  }

  WhoamiServer get(int index) {
    return servers.get(index);
  }

  int port() {
    return servers.get(0).port();
  }

  /** The static list {@code ip:port,...} of the first {@code n}. */
  String list(int n) {
    StringBuilder sb = new StringBuilder();
    for (WhoamiServer s : servers.subList(0, n)) {
      sb.append(sb.length() == 0 ? "" : ",").append(s.authority());
    }
    return sb.toString();
  }

  /** The IP addresses of the first {@code n}. */
  String[] ips(int n) {
    return servers.subList(0, n).stream().map(WhoamiServer::ip).toArray(String[]::new);
  }

  @Override
  public void close() {
    for (WhoamiServer s : servers) {
      s.close();
    }
  }
}
