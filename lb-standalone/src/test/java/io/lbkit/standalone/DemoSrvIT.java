package io.lbkit.standalone;

import static io.lbkit.standalone.StandaloneProcess.get;
import static io.lbkit.standalone.StandaloneProcess.hostname;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The demo discovering its replicas through SRV records instead of A records. */
class DemoSrvIT {
  private final HttpClient client = HttpClient.newHttpClient();

  @ParameterizedTest
  @EnumSource(Engine.class)
  void srvRecordsFeedTheBalancerWithTheirPorts(Engine engine) throws Exception {
    int port = StandaloneProcess.freeDemoPort();
    try (StandaloneProcess demo = StandaloneProcess.start("demo-srv", engine, "--demo", "--backend",
        "_http._tcp.tasks.whoami", "--replicas", "2", "--listen", "127.0.0.1:0", "--demo-port",
        Integer.toString(port)).awaitListening()) {
      await().atMost(Duration.ofSeconds(20))
          .until(() -> Stats.fetch(client, demo.uri("/my-stats?format=json")).up().size() == 2);
      for (Stats.Srv s : Stats.fetch(client, demo.uri("/my-stats?format=json")).servers()) {
        if (s.address() != null) {
          assertThat(s.port()).as("the port comes from the SRV record").isEqualTo(port);
        }
      }
      List<String> seen = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        seen.add(hostname(get(client, demo.uri("/"), Map.of()).body()));
      }
      assertThat(seen.subList(0, 2)).containsExactlyInAnyOrder("whoami-1", "whoami-2");
      assertThat(seen.subList(2, 4)).isEqualTo(seen.subList(0, 2));
      assertThat(demo.stdout()).contains("resolves _http._tcp.tasks.whoami there");
    }
  }
}
