package io.lbkit.standalone;

import static io.lbkit.standalone.StandaloneProcess.get;
import static io.lbkit.standalone.StandaloneProcess.hostname;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code java -jar lb-standalone.jar --demo --replicas 3}, driven over HTTP as the guide tells a
 * user to: round robin, stickiness with a cookie jar, deleting the cookie, forged cookies; on each
 * engine, one demo process each.
 */
class DemoIT {
  private static final HttpClient plain = HttpClient.newHttpClient();

  /** One demo process per engine, shared by its tests. */
  @Nested
  @ParameterizedClass(name = "{0}")
  @EnumSource(Engine.class)
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Tests {
    /** The engine this process runs on. */
    @Parameter
    Engine engine;

    private static final Set<String> REPLICAS = Set.of("whoami-1", "whoami-2", "whoami-3");
    private StandaloneProcess demo;
    private int demoPort;

    @BeforeParameterizedClassInvocation
    void startDemo() throws Exception {
      demoPort = StandaloneProcess.freeDemoPort();
      demo = StandaloneProcess.start("demo", engine, "--demo", "--replicas", "3", "--listen", "127.0.0.1:0",
          "--demo-port", Integer.toString(demoPort)).awaitListening();
      // DNS fills the slots within a resolution or two; the margin is for a loaded CI machine
      await().atMost(Duration.ofSeconds(20)).until(() -> stats().up().size() == 3);
    }

    @AfterParameterizedClassInvocation
    void stopDemo() throws Exception {
      if (demo != null) {
        demo.close();
      }
    }

    private Stats stats() throws Exception {
      return Stats.fetch(plain, demo.uri("/my-stats?format=json"));
    }

    @Test
    void withoutCookiesRequestsVisitTheReplicasInStrictRotation() throws Exception {
      List<String> seen = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        HttpResponse<String> r = get(plain, demo.uri("/"), Map.of());
        assertThat(r.statusCode()).isEqualTo(200);
        seen.add(hostname(r.body()));
      }
      assertThat(new HashSet<>(seen.subList(0, 3))).isEqualTo(REPLICAS);
      for (int i = 3; i < seen.size(); i++) {
        assertThat(seen.get(i)).as("request %d of %s", i, seen).isEqualTo(seen.get(i % 3));
      }
    }

    @Test
    void aCookieJarSticksToOneReplicaAndDeletingTheCookieMovesIt() throws Exception {
      CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
      HttpClient browser = HttpClient.newBuilder().cookieHandler(jar).build();

      String first = tenRequestsOnOneReplica(browser);
      assertThat(jar.getCookieStore().getCookies()).extracting(c -> c.getName()).containsExactly("SRVID");

      jar.getCookieStore().removeAll(); // the browser forgets the cookie
      String second = tenRequestsOnOneReplica(browser);
      assertThat(second).as("after deleting the cookie").isNotEqualTo(first);
    }

    private String tenRequestsOnOneReplica(HttpClient browser) throws Exception {
      Set<String> replicas = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> r = get(browser, demo.uri("/"), Map.of());
        assertThat(r.statusCode()).isEqualTo(200);
        replicas.add(hostname(r.body()));
        if (i > 0) {
          assertThat(r.headers().allValues("set-cookie")).as("no new cookie while it sticks").isEmpty();
        }
      }
      assertThat(replicas).hasSize(1);
      return replicas.iterator().next();
    }

    @Test
    void aForgedCookieGetsAValidAnswerAndANewCookie() throws Exception {
      Map<String, String> cookieToAddress = new java.util.HashMap<>();
      for (Stats.Srv s : stats().servers()) {
        if (s.cookie() != null && s.address() != null) {
          cookieToAddress.put(s.cookie(), s.address());
        }
      }
      List<String> forged = List.of("0123456789abcdef", "127.0.0.2:" + demoPort, "7f000002", "", "\"quoted\"",
          "zzzzzzzzzzzzzzzz", "0123456789abcdef0123456789abcdef", "../../etc/passwd");
      for (String value : forged) {
        HttpResponse<String> r = get(plain, demo.uri("/"), Map.of("Cookie", "SRVID=" + value));
        assertThat(r.statusCode()).as("SRVID=%s", value).isEqualTo(200);
        String cookie = srvid(r);
        assertThat(cookie).as("a new cookie for SRVID=%s", value).isNotNull().isNotEqualTo(value);
        assertThat(cookieToAddress).containsKey(cookie);
        // the new cookie names the replica that answered
        assertThat(r.body()).contains("IP: " + cookieToAddress.get(cookie) + "\n");
      }
    }

    @Test
    void theCookieRevealsNoAddress() throws Exception {
      Set<String> cookies = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        cookies.add(srvid(get(plain, demo.uri("/"), Map.of())));
      }
      assertThat(cookies).hasSize(3);
      for (Stats.Srv s : stats().servers()) {
        if (s.address() == null) {
          continue;
        }
        assertThat(cookies).contains(s.cookie());
        String[] octets = s.address().split("\\.");
        long asInt = 0;
        StringBuilder hex = new StringBuilder();
        for (String o : octets) {
          asInt = asInt * 256 + Integer.parseInt(o);
          hex.append(String.format("%02x", Integer.parseInt(o)));
        }
        assertThat(s.cookie()).matches("[0-9a-f]{16}")
            .doesNotContain(s.address())
            .doesNotContain(hex.toString())
            .doesNotContain(Long.toString(asInt))
            .doesNotContain(Integer.toString(demoPort));
      }
    }

    @Test
    void aReplicaShowsItsNameAddressAndTheForwardedRequest() throws Exception {
      HttpResponse<String> r = get(plain, demo.uri("/hello?x=1"), Map.of("X-Test", "yes"));
      String body = r.body();
      String name = hostname(body);
      int k = Integer.parseInt(name.substring("whoami-".length()));
      assertThat(body).contains("IP: 127.0.0." + (k + 1) + "\n").contains("RemoteAddr: 127.0.0.1:")
          .contains("GET /hello?x=1 HTTP/1.1\n").contains("X-Test: yes\n").contains("X-Forwarded-For: 127.0.0.1\n");
    }

    @Test
    void theGuideGivesTheUrlsAndCommands() throws Exception {
      String out = demo.stdout();
      String base = demo.uri("/").toString();
      assertThat(out).contains("DNS server     127.0.0.1:").contains("tasks.whoami (A)")
          .contains("_http._tcp.tasks.whoami (SRV)")
          .contains("whoami-1 127.0.0.2:" + demoPort).contains("whoami-3 127.0.0.4:" + demoPort)
          .contains("curl -s " + base + " | grep Hostname")
          .contains("-b /tmp/lbkit-cookies.txt -c /tmp/lbkit-cookies.txt " + base)
          .contains("rm /tmp/lbkit-cookies.txt")
          .contains("curl -s -X POST '" + base + "demo/scale?replicas=5'")
          .contains(base + "my-stats");
    }

    @Test
    void theScaleEndpointRejectsBadInputWithoutChangingAnything() throws Exception {
      HttpResponse<String> r = StandaloneProcess.post(plain, demo.uri("/demo/scale?replicas=21"));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).startsWith("replicas: '21' (expected: an integer 0..20");
      r = plain.send(HttpRequest.newBuilder(demo.uri("/demo/scale")).PUT(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(405);
      r = get(plain, demo.uri("/demo/scale"), Map.of());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("whoami: 3 replicas\n");
      assertThat(stats().up()).hasSize(3);
    }

    @Test
    void theScaleEndpointRefusesAPostFromAnotherSitesPage() throws Exception {
      String self = "http://" + demo.uri("/").getAuthority();
      for (Map<String, String> crossSite : List.of(Map.of("Origin", "http://evil.example"),
          Map.of("Origin", "null"), Map.of("Sec-Fetch-Site", "cross-site"),
          Map.of("Origin", "http://127.0.0.1:1", "Sec-Fetch-Site", "same-site"))) {
        HttpRequest.Builder b = HttpRequest.newBuilder(demo.uri("/demo/scale?replicas=1")).timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("replicas=1"));
        crossSite.forEach(b::header);
        HttpResponse<String> r = plain.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(crossSite.toString()).isEqualTo(403);
        assertThat(r.body()).startsWith("POST /demo/scale from another site refused");
      }
      assertThat(get(plain, demo.uri("/demo/scale"), Map.of()).body()).startsWith("whoami: 3 replicas\n");
      // a page of the demo's own origin, and curl (neither header), are served
      HttpResponse<String> r = plain.send(HttpRequest.newBuilder(demo.uri("/demo/scale?replicas=3"))
          .timeout(Duration.ofSeconds(30)).header("Origin", self).header("Sec-Fetch-Site", "same-origin")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(StandaloneProcess.post(plain, demo.uri("/demo/scale?replicas=3")).statusCode()).isEqualTo(200);
      assertThat(stats().up()).hasSize(3);
    }

    private static String srvid(HttpResponse<String> r) {
      for (String h : r.headers().allValues("set-cookie")) {
        if (h.startsWith("SRVID=")) {
          assertThat(h).doesNotContain("127.0.0.");
          return h.substring("SRVID=".length(), h.indexOf(';'));
        }
      }
      return null;
    }
  }
}
