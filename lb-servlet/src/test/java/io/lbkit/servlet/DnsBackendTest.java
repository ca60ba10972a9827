package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.TestDnsExtension;
import io.lbkit.testkit.WhoamiExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filter fed by DNS, configured only by init-params: a name resolved by a real DNS server
 * (lb-testkit's, over UDP) fills the slots, and scaling the answer shows up without a restart.
 */
class DnsBackendTest {
  @RegisterExtension
  final TestDnsExtension dns = TestDnsExtension.create();
  @RegisterExtension
  final WhoamiExtension backends = WhoamiExtension.count(2).sharingOnePort(); // DNS gives addresses; the port is shared
  @RegisterExtension
  final Fixture f = new Fixture();

  @Test
  void scalingTheDnsAnswerAddsServersLive() throws Exception {
    int port = backends.get(0).port();
    dns.server().setA("tasks.whoami", "127.0.0.2");
    f.param("backend", "tasks.whoami:" + port).param("nameserver", dns.nameserver())
        .param("resolve-prefer", "ipv4").param("timeout-resolve", "100ms").param("slots", "3")
        .start(Kind.JETTY);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.metric("lbkit_server_up", 0) == 1);
    assertThat(Fixture.hostname(f.get("/").body())).isEqualTo("whoami1");
    assertThat(f.metric("lbkit_server_up", 1)).isZero(); // whoami2's slot is empty: MAINT

    dns.server().setA("tasks.whoami", "127.0.0.2", "127.0.0.3");
    await().atMost(Duration.ofSeconds(10)).until(() -> f.metric("lbkit_server_up", 1) == 1);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      seen.add(Fixture.hostname(f.get("/scaled" + i).body()));
    }
    assertThat(seen).containsExactlyInAnyOrder("whoami1", "whoami2");
    String json = f.get(Fixture.STATS + "?format=json").body();
    assertThat(json).contains("{\"name\":\"whoami3\",\"address\":null,\"port\":null,\"status\":\"MAINT\"");
  }
}
