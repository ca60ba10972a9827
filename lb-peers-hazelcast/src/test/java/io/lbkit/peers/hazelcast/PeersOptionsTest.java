package io.lbkit.peers.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.option.OptionDocs;
import io.lbkit.option.OptionException;
import io.lbkit.session.StickTableBalancer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The peers options: one definition, found by BackendConfig through ServiceLoader, documented in the README. */
class PeersOptionsTest {
  static Map<String, String> backend(String... keyValues) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("backend", "127.0.0.2:8080,127.0.0.3:8080");
    p.put("stick-on", "JSESSIONID");
    for (int i = 0; i < keyValues.length; i += 2) {
      p.put(keyValues[i], keyValues[i + 1]);
    }
    return p;
  }

  @Test
  void backendConfigKnowsThePeersOptionsOnceTheModuleIsOnTheClasspath() {
    for (String name : List.of("peers", "peer-listen", "peers-client", "peers-name", "peers-timeout")) {
      assertThat(BackendConfig.option(name)).as(name).isNotNull();
      assertThat(BackendConfig.option(name).section()).isEqualTo(PeersOptions.SECTION);
    }
  }

  @Test
  void peersOptionsShareTheStickTableThroughAMember() {
    int port = Instance.freePort();
    BackendConfig config = BackendConfig.parse(backend("peers", "127.0.0.1:" + port, "peer-listen",
        "127.0.0.1:" + port, "peers-name", "lbkit-options-test", "peers-timeout", "200ms", "stick-table-size", "5000"));
    Balancer balancer = config.createBalancer();
    try {
      StickTableBalancer table = (StickTableBalancer) balancer;
      HazelcastStickStore store = (HazelcastStickStore) table.stickStore();
      assertThat(store.hazelcast().getConfig().getClusterName()).isEqualTo("lbkit-options-test");
      assertThat(store.hazelcast().getCluster().getLocalMember().getAddress().getPort()).isEqualTo(port);
      assertThat(store.status().degraded()).as("alone, but no other peer was named").isFalse();
      assertThat(store.status().description()).isEqualTo("1 member(s)");
    } finally {
      balancer.group().close();
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> !((HazelcastStickStore) ((StickTableBalancer) balancer)
        .stickStore()).hazelcast().getLifecycleService().isRunning());
  }

  @Test
  void badValuesAndCombinationsNameTheOption() {
    assertThatThrownBy(() -> BackendConfig.parse(backend("peers", "10.0.0.1")))
        .isInstanceOf(OptionException.class).hasMessage("peers: '10.0.0.1' (expected: host:port[,host:port...])");
    assertThatThrownBy(() -> BackendConfig.parse(backend("peers", "10.0.0.1:5701", "peers-client", "10.0.0.9:5701")))
        .hasMessageStartingWith("peers-client: set together with peers");
    assertThatThrownBy(() -> BackendConfig.parse(backend("peer-listen", "127.0.0.1:5701")))
        .hasMessageStartingWith("peers: not set (expected: host:port,... of the instances sharing the table (or"
            + " peers-client); required with peer-listen)");
    assertThatThrownBy(() -> BackendConfig.parse(backend("peers", "10.0.0.1:5701", "peers-timeout", "1m")))
        .hasMessageStartingWith("peers-timeout: 1m");
    assertThatThrownBy(() -> BackendConfig.parse(backend("peers", "10.0.0.1:5701", "peers-name", "a b")))
        .hasMessage("peers-name: 'a b' (expected: a cluster name, printable ASCII without spaces)");
    assertThatThrownBy(() -> HazelcastStickStore.builder().set("peer", "x")).hasMessageStartingWith("peer: unknown");
    Map<String, String> noTable = backend("peers", "10.0.0.1:5701");
    noTable.remove("stick-on");
    Balancer plain = BackendConfig.parse(noTable).createBalancer(); // peers ignored (warned): no stick table
    plain.group().close();
    assertThat(plain).isNotInstanceOf(StickTableBalancer.class);
  }

  /** README.md's peers table is these options, rendered (the core table is checked in lb-servlet). */
  @Test
  void readmePeersTableMatchesTheDefinitions() throws Exception {
    String begin = "<!-- peers-options:begin -->\n";
    String end = "<!-- peers-options:end -->";
    String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    assertThat(text).contains(begin).contains(end);
    String actual = text.substring(text.indexOf(begin) + begin.length(), text.indexOf(end));
    String expected = OptionDocs.markdownTable(List.copyOf(PeersOptions.ALL.options()));
    assertThat(actual).as("README.md's peers table differs; replace it with:%n%s", expected).isEqualTo(expected);
  }
}
