package io.lbkit.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** tunnel-on-server-down over a real group: which tunnels are told to close, and when. */
class OpenTunnelsTest {
  private static final class FakeTunnel implements OpenTunnels.Tunnel {
    final Server server;
    final List<String> closes = new ArrayList<>();

    FakeTunnel(Server server) {
      this.server = server;
    }

    @Override
    public Server server() {
      return server;
    }

    @Override
    public void closeLater(String why) {
      closes.add(why);
    }
  }

  @Test
  void closeClosesTheTunnelsOfAServerThatLeavesServiceOnly() {
    ServerGroup g = ProxyHeadersTest.group();
    List<Server> servers = g.snapshot().servers();
    List<String> toSecondCloses;
    try (OpenTunnels<FakeTunnel> open = new OpenTunnels<>(g, TunnelOnDown.CLOSE)) {
      FakeTunnel toFirst = new FakeTunnel(servers.get(0));
      FakeTunnel toSecond = new FakeTunnel(servers.get(1));
      open.add(toFirst);
      open.add(toSecond);
      assertThat(open.size()).isEqualTo(2);
      g.setMaintenance(servers.get(0).name(), true);
      assertThat(toFirst.closes).singleElement().asString().contains("tunnel-on-server-down=close");
      assertThat(toSecond.closes).isEmpty();
      open.remove(toFirst);
      assertThat(open.size()).isEqualTo(1);
      toSecondCloses = toSecond.closes;
    }
    g.setMaintenance(servers.get(1).name(), true); // closed registry: no longer watching
    g.close();
    assertThat(toSecondCloses).isEmpty();
  }

  @Test
  void keepLeavesThemOpen() {
    ServerGroup g = ProxyHeadersTest.group();
    List<Server> servers = g.snapshot().servers();
    try (OpenTunnels<FakeTunnel> open = new OpenTunnels<>(g, TunnelOnDown.KEEP)) {
      FakeTunnel t = new FakeTunnel(servers.get(0));
      open.add(t);
      g.setMaintenance(servers.get(0).name(), true);
      g.setEndpoints(List.of());
      assertThat(t.closes).isEmpty();
      List<FakeTunnel> seen = new ArrayList<>();
      open.forEach(seen::add);
      assertThat(seen).containsExactly(t);
    }
    g.close();
  }
}
