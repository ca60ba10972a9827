package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code docker service scale} in the demo: 1 → 3 → 1 → 5 replicas through
 * {@code POST /demo/scale}, checked on {@code /my-stats?format=json} within the article's
 * timers, with a client sending requests all along.
 */
class DemoScaleIT {
  /** New DNS records are seen at the next resolution (timeout-resolve 1s); the rest is CI margin. */
  private static final Duration SCALE_UP = Duration.ofSeconds(15);
  /**
   * Removed records leave after hold-obsolete (10s) plus a resolution (1s); meanwhile checks
   * (inter 2s, fall 3) take the stopped replicas DOWN. The rest is CI margin.
   */
  private static final Duration SCALE_DOWN = Duration.ofSeconds(30);

  private final HttpClient client = HttpClient.newHttpClient();

  @ParameterizedTest
  @EnumSource(Engine.class)
  void scaleOneThreeOneFiveShowsOnTheStatsPageAndNoRequestFails(Engine engine) throws Exception {
    int port = StandaloneProcess.freeDemoPort();
    try (StandaloneProcess demo = StandaloneProcess.start("demo-scale", engine, "--demo", "--replicas", "1",
        "--listen", "127.0.0.1:0", "--demo-port", Integer.toString(port)).awaitListening()) {
      await().atMost(SCALE_UP).until(() -> stats(demo).up().equals(addresses(1)));

      scaleUnderTraffic(demo, 3, port);
      scaleUnderTraffic(demo, 1, port);
      scaleUnderTraffic(demo, 5, port);
      assertThat(stats(demo).servers()).extracting(Stats.Srv::name)
          .containsExactlyInAnyOrder("whoami1", "whoami2", "whoami3", "whoami4", "whoami5");
    }
  }

  /**
   * Scales while a client sends requests one after the other, and checks the stats page and that
   * no request failed. Scaling up: the new replicas are UP within a resolution, and each serves
   * some of the traffic. Scaling down: the removed replicas stop at once; until the checks take
   * them DOWN, requests sent to them are redispatched (the client never sees it), and after
   * hold-obsolete their slots give the address back (MAINT, no address).
   */
  private void scaleUnderTraffic(StandaloneProcess demo, int replicas, int port) throws Exception {
    List<String> failures = new CopyOnWriteArrayList<>();
    Set<String> answeredBy = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicBoolean scaled = new AtomicBoolean();
    Thread traffic = new Thread(() -> {
      while (running.get()) {
        try {
          HttpResponse<String> r = StandaloneProcess.get(client, demo.uri("/"), Map.of());
          if (r.statusCode() != 200) {
            failures.add(r.statusCode() + " " + r.body());
          } else if (scaled.get()) {
            answeredBy.add(StandaloneProcess.hostname(r.body()));
          }
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    }, "traffic");
    int before = stats(demo).up().size();
    traffic.start();
    try {
      HttpResponse<String> r = StandaloneProcess.post(client, demo.uri("/demo/scale?replicas=" + replicas));
      scaled.set(true);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("whoami: " + replicas + (replicas == 1 ? " replica" : " replicas") + " (was "
          + before + ")\n").contains("whoami-" + replicas + "  127.0.0." + (replicas + 1) + ":" + port);
      Set<String> expected = addresses(replicas);
      if (replicas > before) {
        await().atMost(SCALE_UP).until(() -> stats(demo).up().equals(expected));
        // keep the traffic going until every replica has served some of it
        Set<String> all = new TreeSet<>();
        for (int k = 1; k <= replicas; k++) {
          all.add("whoami-" + k);
        }
        await().atMost(SCALE_UP).until(() -> answeredBy.containsAll(all));
      } else {
        await().atMost(SCALE_DOWN).until(() -> {
          Stats s = stats(demo);
          return s.up().equals(expected) && s.addressed().equals(expected);
        });
      }
    } finally {
      running.set(false);
      traffic.join();
    }
    assertThat(failures).as("requests that failed while scaling to %d", replicas).isEmpty();
  }

  private Stats stats(StandaloneProcess demo) throws Exception {
    return Stats.fetch(client, demo.uri("/my-stats?format=json"));
  }

  private static Set<String> addresses(int replicas) {
    Set<String> set = new TreeSet<>();
    for (int k = 1; k <= replicas; k++) {
      set.add("127.0.0." + (k + 1));
    }
    return set;
  }
}
