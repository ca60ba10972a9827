package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.option.OptionException;
import io.lbkit.testkit.LogCapture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code max-servers}: the cap on a group without {@code slots} (issue 12, point 11). */
class ServerGroupCapTest {

  @Test
  void withoutSlotsTheGroupGrowsUpToMaxServersAndWarnsOncePerEpisode() {
    try (LogCapture logs = LogCapture.of(ServerGroup.class);
        ServerGroup group = ServerGroup.builder("be").maxServers(3).build()) {
      group.setEndpoints(endpoints(5));
      group.setEndpoints(endpoints(6));
      group.setEndpoints(endpoints(5));
      assertThat(group.snapshot().servers()).extracting(Server::name).containsExactly("srv1", "srv2", "srv3");
      assertThat(logs.warnings("ignored")).hasSize(1);
      assertThat(logs.warnings("ignored").get(0)).contains("at most 3 servers (max-servers)");

      group.setEndpoints(endpoints(2)); // under the cap: the episode ends
      group.setEndpoints(endpoints(4)); // a new one starts
      assertThat(logs.warnings("ignored")).hasSize(2);
    }
  }

  @Test
  void aStaticListIsCappedToo() {
    try (ServerGroup group = ServerGroup.builder("be").maxServers(2)
        .staticEndpoints("127.0.0.2:80,127.0.0.3:80,127.0.0.4:80").build()) {
      assertThat(group.snapshot().usable()).extracting(s -> s.endpoint().authority())
          .containsExactly("127.0.0.2:80", "127.0.0.3:80");
    }
  }

  @Test
  void slotsSetTheCountThemselves() {
    try (ServerGroup group = ServerGroup.builder("be").maxServers(2).slots("w", 4).build()) {
      group.setEndpoints(endpoints(4));
      assertThat(group.maxServers()).isEqualTo(4);
      assertThat(group.snapshot().usable()).hasSize(4);
    }
  }

  @Test
  void theDefaultIs256AndABadValueNamesTheOption() {
    try (ServerGroup group = ServerGroup.builder("be").build()) {
      assertThat(group.maxServers()).isEqualTo(256);
    }
    assertThatThrownBy(() -> ServerGroup.builder("be").set("max-servers", "0"))
        .isInstanceOf(OptionException.class)
        .hasMessage("max-servers: 0 (expected: 1..100000)");
  }

  private static List<Endpoint> endpoints(int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Endpoint.parse("127.0.0." + (i + 2) + ":80"));
    }
    return out;
  }
}
