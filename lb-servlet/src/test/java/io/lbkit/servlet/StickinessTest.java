package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.RecordedRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The sticky cookie through the filter: a browser-like cookie jar stays on its server. */
class StickinessTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  private void start(Kind kind) throws Exception {
    f.backends(3).param("cookie", "SRVID").param("cookie-key", "njqWdVKWfG").start(kind);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aClientWithTheCookieStaysOnItsServerAndGetsNoNewCookie(Kind kind) throws Exception {
    start(kind);
    HttpResponse<String> first = f.get("/");
    String server = Fixture.hostname(first.body());
    List<String> setCookies = first.headers().allValues("Set-Cookie");
    assertThat(setCookies).singleElement().satisfies(c -> assertThat(c).matches("SRVID=[0-9a-f]{16}; Path=/.*"));
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = f.get("/again" + i);
      assertThat(Fixture.hostname(r.body())).isEqualTo(server);
      assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
    }
    // our cookie is stripped from what the backend sees (cookie-indirect, the default)
    int slot = Integer.parseInt(server.substring("whoami".length())) - 1;
    for (RecordedRequest got : f.backend(slot).requests()) {
      assertThat(got.headers("Cookie")).noneMatch(c -> c.contains("SRVID"));
    }
    // deleting the cookie lands elsewhere (round robin), which then sticks
    f.cookies.getCookieStore().removeAll();
    String next = Fixture.hostname(f.get("/").body());
    assertThat(next).isNotEqualTo(server);
    assertThat(Fixture.hostname(f.get("/").body())).isEqualTo(next);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aForgedOrGarbageCookieIsBalancedNormallyAndReplaced(Kind kind) throws Exception {
    start(kind);
    java.net.http.HttpClient noJar = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    for (String forged : List.of("SRVID=0123456789abcdef", "SRVID=127.0.0.2:8080", "SRVID=%3Cscript%3E; other=1",
        "SRVID=" + "f".repeat(5000))) {
      HttpResponse<String> r = noJar.send(HttpRequest.newBuilder(f.uri("/forged")).header("Cookie", forged).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().allValues("Set-Cookie")).singleElement()
          .satisfies(c -> assertThat(c).matches("SRVID=[0-9a-f]{16}; .*"));
    }
    RecordedRequest withOther = f.backends.stream().flatMap(b -> b.requests().stream())
        .filter(q -> q.header("Cookie") != null && q.header("Cookie").contains("other=1")).findFirst().orElseThrow();
    assertThat(withOther.header("Cookie")).isEqualTo("other=1");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theBackendsOwnSetCookieHeadersPassThroughAndOursIsAdded(Kind kind) throws Exception {
    f.param("cookie-nocache", "on");
    start(kind);
    HttpResponse<String> r = f.get("/set-cookie");
    List<String> setCookies = r.headers().allValues("Set-Cookie");
    assertThat(setCookies).hasSize(3);
    assertThat(setCookies).anyMatch(c -> c.startsWith("JSESSIONID=backend-whoami") && c.contains("HttpOnly"));
    assertThat(setCookies).contains("theme=dark");
    assertThat(setCookies).anyMatch(c -> c.startsWith("SRVID="));
    assertThat(r.headers().allValues("Cache-Control")).containsExactly("private");
    // pinned now: no cookie of ours, no Cache-Control rewrite, the backend's cookies still pass
    HttpResponse<String> again = f.get("/set-cookie");
    assertThat(again.headers().allValues("Set-Cookie")).hasSize(2).noneMatch(c -> c.startsWith("SRVID="));
    assertThat(again.headers().allValues("Cache-Control")).isEmpty();
    RecordedRequest second = f.backends.stream().flatMap(b -> b.requests().stream()).reduce((a, b) -> b).orElseThrow();
    assertThat(second.header("Cookie")).contains("JSESSIONID=backend-whoami", "theme=dark").doesNotContain("SRVID");
    assertThat(f.backends.stream().mapToInt(b -> b.requestCount()).sum()).isEqualTo(2);
    assertThat(Duration.ZERO).isZero();
  }
}
