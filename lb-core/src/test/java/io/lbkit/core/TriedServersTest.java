package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Servers tried are remembered by endpoint, across the snapshots that renew the Server objects. */
class TriedServersTest {
  @Test
  void aServerOfALaterSnapshotAtTheSameAddressCountsAsTried() {
    ServerGroup group = ServerGroup.builder("be").slots("whoami", 3)
        .endpoints(List.of(Endpoint.parse("127.0.0.2:8080"), Endpoint.parse("127.0.0.3:8080"))).build();
    Server first = group.snapshot().usable().get(0);
    TriedServers tried = TriedServers.of(first, first);
    assertThat(tried.size()).isEqualTo(1);
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:8080").withWeight(5), Endpoint.parse("127.0.0.3:8080")));
    Server renewed = group.snapshot().usable().get(0);
    assertThat(renewed).isNotSameAs(first);
    assertThat(tried.contains(renewed)).isTrue();
    assertThat(tried.contains(group.snapshot().usable().get(1))).isFalse();
    assertThat(tried.containsAll(group.snapshot().usable())).isFalse();
    tried.add(group.snapshot().usable().get(1));
    assertThat(tried.containsAll(group.snapshot().usable())).isTrue();
    assertThat(tried).hasToString("[127.0.0.2:8080, 127.0.0.3:8080]");
    Server empty = group.snapshot().servers().get(2); // a slot without an address
    tried.add(empty);
    assertThat(tried.contains(empty)).isFalse();
    assertThat(tried.size()).isEqualTo(2);
    assertThat(new TriedServers().isEmpty()).isTrue();
  }
}
