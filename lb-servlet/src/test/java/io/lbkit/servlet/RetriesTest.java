package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.balance.LeastConnectionsBalancer;
import io.lbkit.core.BalancerKind;
import io.lbkit.core.ChurningBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.Effect;
import io.lbkit.testkit.RecordedRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Retries that cannot lose a request while a server is live (issue 12, points 1 and 2): servers
 * tried are remembered by endpoint across snapshot publishes, every server not tried yet gets an
 * attempt, and a retry carries the whole body or none is sent.
 */
class RetriesTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  private ServerGroup group() {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < f.backends.size(); i++) {
      list.add(Endpoint.parse(f.backend(i).authority()));
    }
    ServerGroup group = ServerGroup.builder("be").slots("whoami", list.size()).endpoints(list).build();
    f.closeLater(group);
    return group;
  }

  private static List<Endpoint> endpoints(ServerGroup group) {
    List<Endpoint> list = new ArrayList<>();
    group.snapshot().servers().forEach(s -> list.add(s.endpoint()));
    return list;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aRetryAfterASnapshotPublishSkipsTheServersThatRefused(Kind kind) throws Exception {
    f.backends(3);
    f.backend(0).stop();
    f.backend(1).stop();
    ServerGroup group = group();
    // least connections: after a publish its tie order starts again at whoami1, the idlest refuser
    ChurningBalancer churning = new ChurningBalancer(LeastConnectionsBalancer.create(group), endpoints(group), null);
    f.filter(new LoadBalancingFilter(churning, FilterOptions.builder().retries(3).build())).start(kind);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = f.get("/r" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Fixture.hostname(r.body())).isEqualTo("whoami3");
    }
    assertThat(churning.publishes()).isEqualTo(15); // a new snapshot before each of the 3 attempts
    assertThat(group.snapshot().server(0).stats().failures()).as("whoami1, once per request").isEqualTo(5);
    assertThat(group.snapshot().server(1).stats().failures()).as("whoami2, once per request").isEqualTo(5);
  }

  /**
   * The demo's 4 in 706,996: replicas come and go between the attempts of a request while only
   * one of six is live, and {@code retries=1} alone would allow two attempts. Every request must
   * still reach the live one.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void noRequestFailsWhileAServerIsLiveThoughTheListChangesBetweenAttempts(Kind kind) throws Exception {
    f.backends(6);
    for (int i = 0; i < 5; i++) {
      f.backend(i).stop();
    }
    List<ServerGroup> groups = new ArrayList<>();
    for (BalancerKind balance : BalancerKind.values()) {
      ServerGroup group = group();
      groups.add(group);
      Endpoint live = Endpoint.parse(f.backend(5).authority());
      ChurningBalancer churning = new ChurningBalancer(balance.create(group), endpoints(group), live);
      Fixture one = f.closeLater(new Fixture());
      one.filter(new LoadBalancingFilter(churning, FilterOptions.builder().retries(1).build())).start(kind);
      int failed = 0;
      for (int i = 0; i < 40; i++) {
        HttpResponse<String> r = one.get("/n" + i);
        if (r.statusCode() != 200 || !"whoami6".equals(Fixture.hostname(r.body()))) {
          failed++;
        }
      }
      assertThat(failed).as(balance + ": failed requests while whoami6 was live").isZero();
      assertThat(churning.publishes()).as(balance + ": publishes").isGreaterThan(40);
      one.close();
    }
    assertThat(f.backend(5).requestCount()).isEqualTo(40 * BalancerKind.values().length);
  }

  /**
   * Point 2: the client's body arrives while the proxy waits to retry the same server. Not one
   * byte may go to the attempt that ended; the retry carries the whole body.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aBodyThatArrivesDuringTheRetryDelayGoesWholeToTheRetry(Kind kind) throws Exception {
    f.backends(1);
    f.backend(0).effect(Effect.CLOSE_ON_ACCEPT); // connected, then closed before any response byte
    f.param("timeout-connect", "5s").param("timeout-server", "3s").start(kind); // retry delay: min(1s, 5s)
    try (Socket s = new Socket("127.0.0.1", f.container.port())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /sink HTTP/1.1\r\nHost: lb\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // the first attempt failed and the retry on the same server is scheduled: now the body comes
      await().atMost(Duration.ofSeconds(10)).until(() -> f.metric("lbkit_server_retries_total", 0) >= 1);
      f.backend(0).effect(Effect.NORMAL);
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = readAll(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(answer).contains("Body-Length: 5");
    }
    RecordedRequest received = f.backend(0).requests().get(f.backend(0).requestCount() - 1);
    assertThat(received.bodyLength()).isEqualTo(5);
  }

  /** Point 2: an empty chunked body that ended before the first attempt failed is ended on the retry too. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void anEmptyChunkedBodyIsEndedOnTheRetry(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).effect(Effect.CLOSE_BEFORE_RESPONSE); // reads the whole request, then closes
    f.param("balance", "leastconn").param("timeout-server", "3s").start(kind); // leastconn: whoami1 first
    HttpResponse<String> r = f.send(HttpRequest.newBuilder(f.uri("/sink"))
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[0]))));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Body-Length: 0");
    assertThat(f.backend(0).requestCount()).isEqualTo(1);
    assertThat(f.backend(1).requests().get(0).header("Transfer-Encoding")).isEqualTo("chunked");
  }

  /** A PUT whose body went partly to a server that then closed is not retried: 502, never a cut-down body. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aBodyPartlySentIsNeverRetried(Kind kind) throws Exception {
    f.backends(2);
    f.backend(0).effect(Effect.CLOSE_BEFORE_RESPONSE);
    f.param("balance", "leastconn").start(kind);
    HttpResponse<String> r = f.send(HttpRequest.newBuilder(f.uri("/sink"))
        .PUT(HttpRequest.BodyPublishers.ofString("order=1")));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).startsWith("502 Bad Gateway");
    assertThat(f.backend(1).requestCount()).isZero();
  }

  private static String readAll(InputStream in) throws java.io.IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }
}
